/* guest-file-* on Windows: CreateFileW on the UTF-8 path converted once, synchronous ReadFile/WriteFile. */
#include "win32.h"

#include "os/file.h"
#include "core/mem.h"

struct QgaOsFile {
    HANDLE h;
    bool append;
    bool pipe;
};

/*
 * Access rights per mode, as qemu-ga asks for them: "a" gets append data without write data,
 * so the system itself puts every write at the end. Sharing: qemu-ga shares for reading only,
 * which makes opening a log another service is still writing fail with a sharing violation;
 * read and write sharing lets that work and still keeps the file from being deleted or
 * renamed under the handle.
 */
#define QGA_FILE_GENERIC_APPEND (FILE_GENERIC_WRITE & ~FILE_WRITE_DATA)

int qga_os_file_open(const char *path, const QgaFileMode *mode, const char *mode_text, QgaOsFile **ret,
                     QgaError **error)
{
    DWORD access = 0;
    if (mode->read)
        access |= GENERIC_READ;
    if (mode->write)
        access |= mode->append ? QGA_FILE_GENERIC_APPEND : GENERIC_WRITE;
    DWORD disposition = mode->truncate ? CREATE_ALWAYS : mode->create ? OPEN_ALWAYS : OPEN_EXISTING;

    _qga_cleanup_free_ wchar_t *wpath = qga_win_utf8_to_utf16(path, path, error);
    if (!wpath)
        return -1;
    /* No inheritance (NULL security attributes): a guest-exec child must not hold the file. */
    HANDLE h = CreateFileW(wpath, access, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, disposition,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        qga_error_set_os(error, (int)GetLastError(), "failed to open file '%s' (mode: '%s')", path, mode_text);
        return -1;
    }
    QgaOsFile *f = qga_calloc(1, sizeof(*f));
    f->h = h;
    f->append = mode->append;
    /* A named pipe must not hang the agent on a read with no writer (qemu-ga does the same). */
    if (GetFileType(h) == FILE_TYPE_PIPE) {
        DWORD state = 0;
        if (GetNamedPipeHandleState(h, &state, NULL, NULL, NULL, NULL, 0) && !(state & PIPE_NOWAIT)) {
            state |= PIPE_NOWAIT;
            SetNamedPipeHandleState(h, &state, NULL, NULL);
        }
        f->pipe = true;
    }
    *ret = f;
    return 0;
}

int qga_os_file_close(QgaOsFile *file, QgaError **error)
{
    if (!file)
        return 0;
    BOOL ok = CloseHandle(file->h);
    DWORD code = GetLastError();
    free(file);
    if (!ok) {
        qga_error_set_os(error, (int)code, "failed to close handle");
        return -1;
    }
    return 0;
}

/*
 * End of file as on Linux and in the schema: eof is true when the read reached the end of the
 * file, even when it returned data. qemu-ga on Windows says eof only after a read that
 * returned nothing, so its own upstream test (read the whole file, expect eof) fails there.
 */
int qga_os_file_read(QgaOsFile *file, void *buf, size_t len, size_t *ret_n, bool *ret_eof, QgaError **error)
{
    size_t done = 0;
    bool eof = false;
    while (done < len) {
        DWORD want = len - done > (1u << 30) ? (1u << 30) : (DWORD)(len - done);
        DWORD n = 0;
        if (!ReadFile(file->h, (char *)buf + done, want, &n, NULL)) {
            DWORD code = GetLastError();
            if (code == ERROR_HANDLE_EOF || code == ERROR_BROKEN_PIPE) {
                eof = true;
                break;
            }
            if (code == ERROR_NO_DATA && file->pipe)
                break; /* PIPE_NOWAIT and nothing there yet: not the end */
            qga_error_set_os(error, (int)code, "failed to read file");
            return -1;
        }
        if (n == 0) {
            /* A pipe hands out zero-byte messages; a file says end of file this way. */
            if (!file->pipe)
                eof = true;
            break;
        }
        done += n;
    }
    *ret_n = done;
    *ret_eof = eof;
    return 0;
}

int qga_os_file_write(QgaOsFile *file, const void *buf, size_t len, size_t *ret_n, QgaError **error)
{
    if (file->append && !file->pipe) {
        /* Redundant where the system honours append-only access, needed where it does not (Wine). */
        LARGE_INTEGER zero = { .QuadPart = 0 };
        SetFilePointerEx(file->h, zero, NULL, FILE_END);
    }
    size_t done = 0;
    while (done < len) {
        DWORD want = len - done > (1u << 30) ? (1u << 30) : (DWORD)(len - done);
        DWORD n = 0;
        if (!WriteFile(file->h, (const char *)buf + done, want, &n, NULL)) {
            qga_error_set_os(error, (int)GetLastError(), "failed to write to file");
            return -1;
        }
        if (n == 0)
            break; /* a full PIPE_NOWAIT pipe */
        done += n;
    }
    *ret_n = done;
    return 0;
}

int qga_os_file_seek(QgaOsFile *file, int64_t offset, int whence, int64_t *ret_pos, QgaError **error)
{
    static const DWORD methods[] = { FILE_BEGIN, FILE_CURRENT, FILE_END };
    LARGE_INTEGER off = { .QuadPart = offset }, pos = { .QuadPart = 0 };
    if (!SetFilePointerEx(file->h, off, &pos, methods[whence])) {
        qga_error_set_os(error, (int)GetLastError(), "failed to seek file");
        return -1;
    }
    *ret_pos = pos.QuadPart;
    return 0;
}

int qga_os_file_flush(QgaOsFile *file, QgaError **error)
{
    if (!FlushFileBuffers(file->h)) {
        qga_error_set_os(error, (int)GetLastError(), "failed to flush file");
        return -1;
    }
    return 0;
}

int qga_os_read_small_file(const char *path, size_t max, char **ret_data, size_t *ret_len, QgaError **error)
{
    _qga_cleanup_free_ wchar_t *wpath = qga_win_utf8_to_utf16(path, path, error);
    if (!wpath)
        return -1;
    HANDLE h = CreateFileW(wpath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        DWORD code = GetLastError();
        if (code == ERROR_FILE_NOT_FOUND) {
            *ret_data = NULL;
            *ret_len = 0;
            return 0;
        }
        qga_error_set_os(error, (int)code, "can't open '%s'", path);
        return -1;
    }
    char *data = qga_malloc(max + 1);
    DWORD n = 0;
    BOOL ok = ReadFile(h, data, (DWORD)max, &n, NULL);
    DWORD code = GetLastError();
    CloseHandle(h);
    if (!ok) {
        free(data);
        qga_error_set_os(error, (int)code, "can't read '%s'", path);
        return -1;
    }
    data[n] = '\0';
    *ret_data = data;
    *ret_len = n;
    return 0;
}

int qga_os_replace_file(const char *path, const void *data, size_t len, QgaError **error)
{
    _qga_cleanup_free_ char *tmp = qga_strdup_printf("%s.tmp", path);
    _qga_cleanup_free_ wchar_t *wpath = qga_win_utf8_to_utf16(path, path, error);
    if (!wpath)
        return -1;
    _qga_cleanup_free_ wchar_t *wtmp = qga_win_utf8_to_utf16(tmp, tmp, error);
    if (!wtmp)
        return -1;
    HANDLE h = CreateFileW(wtmp, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        qga_error_set_os(error, (int)GetLastError(), "can't create '%s'", tmp);
        return -1;
    }
    DWORD n = 0;
    BOOL ok = WriteFile(h, data, (DWORD)len, &n, NULL) && n == len && FlushFileBuffers(h);
    DWORD code = GetLastError();
    CloseHandle(h);
    /* g_file_set_contents' way on Windows: a complete temporary, then a replacing move. */
    if (!ok || !MoveFileExW(wtmp, wpath, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        if (ok)
            code = GetLastError();
        DeleteFileW(wtmp);
        qga_error_set_os(error, (int)code, "can't write '%s'", path);
        return -1;
    }
    return 0;
}
