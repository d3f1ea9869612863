/* Waiting for a path to appear with inotify on its deepest existing ancestor directory. */
#include "path-watch.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

struct QgaPathWatch {
    QgaLoop *loop;
    char *path;
    int fd;
    int wd;
    char *dir;          /* the directory watched now */
    QgaLoopWatch *watch;
    QgaPathWatchFunc func;
    void *opaque;
};

static void on_inotify(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaPathWatch *w = opaque;
    /* The events only mean "look again"; which entry changed does not matter. IN_IGNORED alone
     * (a watch we removed ourselves) is no news: acting on it would re-arm and loop. */
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool news = false;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (char *p = buf; p < buf + n; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len)
            news |= !(((struct inotify_event *)p)->mask & IN_IGNORED);
    }
    if (news)
        w->func(w->opaque);
}

/* The deepest existing directory above path ("/" at worst). */
static char *existing_ancestor(const char *path)
{
    char *dir = qga_strdup(path);
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            free(dir);
            return qga_strdup("/");
        }
        *slash = '\0';
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return dir;
    }
}

int qga_path_watch_rearm(QgaPathWatch *w, QgaError **error)
{
    _qga_cleanup_free_ char *dir = existing_ancestor(w->path);
    if (w->wd >= 0 && w->dir && !strcmp(dir, w->dir))
        return 0;   /* still the right directory */
    if (w->wd >= 0)
        inotify_rm_watch(w->fd, w->wd);
    /* IN_ATTRIB: udev creates the symlink and may fix its target's mode after. */
    w->wd = inotify_add_watch(w->fd, dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
    if (w->wd < 0) {
        qga_error_set_os(error, errno, "cannot watch '%s' for '%s' to appear", dir, w->path);
        return -1;
    }
    free(w->dir);
    w->dir = qga_steal_pointer(&dir);
    return 0;
}

QgaPathWatch *qga_path_watch_new(QgaLoop *loop, const char *path, QgaPathWatchFunc func, void *opaque,
                                 QgaError **error)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        qga_error_set_os(error, errno, "inotify is unavailable");
        return NULL;
    }
    QgaPathWatch *w = qga_calloc(1, sizeof(*w));
    *w = (QgaPathWatch){ .loop = loop, .path = qga_strdup(path), .fd = fd, .wd = -1, .func = func,
                         .opaque = opaque };
    if (qga_path_watch_rearm(w, error) < 0) {
        qga_path_watch_free(w);
        return NULL;
    }
    w->watch = qga_loop_add_fd(loop, fd, POLLIN, on_inotify, w);
    return w;
}

void qga_path_watch_free(QgaPathWatch *w)
{
    if (!w)
        return;
    if (w->watch)
        qga_loop_remove_fd(w->loop, w->watch);
    close(w->fd);
    free(w->path);
    free(w->dir);
    free(w);
}
