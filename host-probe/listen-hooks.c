/* Runs the executables the host's admin put in --hooks-dir for each accepted guest event: bounded, timed out, off the event loop's critical path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"
#include "listen-hooks.h"
#include "listen-log.h"
#include "render.h"

/*
 * The contract (docs/PROBE.md "Hooks"): every executable regular file directly in the directory,
 * sorted by name, dot-files skipped, owned by root or by us and not group/world-writable
 * (checked with lstat and again with fstat on an O_NOFOLLOW descriptor before every run); argv
 * is the path alone, the environment is QGA_DOMAIN, QGA_DOMAIN_UUID (libvirt mode), QGA_EVENT and
 * a fixed PATH; stdin is the event's record line. Nothing the guest sends chooses the program,
 * its path or its arguments: the event name it picks is only one of the schema's names.
 */

#define HOOKS_MAX_RUNNING 4
#define HOOKS_MAX_QUEUED 64
#define HOOKS_MAX_QUEUED_PER_GUEST 16   /* one flooding guest cannot fill the queue for all */
#define HOOKS_MAX_LINE 1024             /* a hook's output line, longer ones are split */

typedef struct HookJob {
    char *path;
    char *name;
    char *guest;     /* the queue's per-guest key */
    char **env;
    char *line;
} HookJob;

typedef struct HookRun {
    ListenHooks *hooks;
    HookJob *job;
    GPid pid;
    int out_fd;
    guint child_watch, out_watch, timer;
    GString *partial;
    gboolean killed;
} HookRun;

struct ListenHooks {
    char *dir;
    guint timeout_s;
    GQueue queue;              /* HookJob*, at most HOOKS_MAX_QUEUED */
    GHashTable *queued;        /* guest -> count in the queue */
    GHashTable *warned;        /* hook name -> last reason logged (no repeat per event) */
    guint running;
    guint64 overflow;
    guint overflow_report;     /* a pending one-second report of the overflow count */
    GPtrArray *runs;           /* HookRun* */
};

static void hook_job_free(HookJob *job)
{
    if (!job)
        return;
    g_free(job->path);
    g_free(job->name);
    g_free(job->guest);
    g_strfreev(job->env);
    g_free(job->line);
    g_free(job);
}

/* The owner and mode rules; NULL when st is fine, else why not. */
static const char *hook_mode_problem(const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return "not a regular file";
    if (st->st_uid != 0 && st->st_uid != getuid())
        return "owned by neither root nor the listener's user";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "group- or world-writable";
    if (!(st->st_mode & S_IXUSR))
        return "not executable";
    return NULL;
}

static void hook_warn(ListenHooks *h, const char *name, const char *why)
{
    const char *last = g_hash_table_lookup(h->warned, name);
    if (g_strcmp0(last, why) == 0)
        return;
    g_hash_table_insert(h->warned, g_strdup(name), g_strdup(why));
    g_autofree char *safe = probe_sanitize(name);
    listen_log("hook %s skipped: %s", safe, why);
}

ListenHooks *listen_hooks_new(const char *dir, guint timeout_s, GError **error)
{
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE, "--hooks-dir %s: not a directory", dir);
        return NULL;
    }
    /* Whoever may write the directory chooses what runs. */
    if ((st.st_uid != 0 && st.st_uid != getuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        g_set_error(error, PROBE_ERROR, PROBE_ERROR_USAGE,
                    "--hooks-dir %s: must be owned by root or the listener's user and not group/world-writable", dir);
        return NULL;
    }
    ListenHooks *h = g_new0(ListenHooks, 1);
    h->dir = g_strdup(dir);
    h->timeout_s = timeout_s;
    g_queue_init(&h->queue);
    h->queued = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    h->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    h->runs = g_ptr_array_new();
    return h;
}

static void hook_run_output(HookRun *r, gboolean final);

static void hook_run_free(HookRun *r)
{
    if (r->child_watch)
        g_source_remove(r->child_watch);
    if (r->out_watch)
        g_source_remove(r->out_watch);
    if (r->timer)
        g_source_remove(r->timer);
    if (r->out_fd >= 0)
        close(r->out_fd);
    if (r->pid > 0 && !r->killed)
        kill(-r->pid, SIGKILL);
    g_string_free(r->partial, TRUE);
    hook_job_free(r->job);
    g_free(r);
}

void listen_hooks_free(ListenHooks *h)
{
    if (!h)
        return;
    for (guint i = 0; i < h->runs->len; i++)
        hook_run_free(g_ptr_array_index(h->runs, i));
    g_ptr_array_free(h->runs, TRUE);
    g_queue_clear_full(&h->queue, (GDestroyNotify)hook_job_free);
    g_hash_table_unref(h->queued);
    g_hash_table_unref(h->warned);
    if (h->overflow_report)
        g_source_remove(h->overflow_report);
    g_free(h->dir);
    g_free(h);
}

static void hooks_start_next(ListenHooks *h);

static void hook_print_line(HookRun *r, const char *text, gsize len)
{
    g_autofree char *raw = g_strndup(text, len);
    g_autofree char *safe = probe_sanitize(raw);
    g_autofree char *name = probe_sanitize(r->job->name);
    listen_log("hook %s: %s", name, safe);
}

/* Reads what the hook wrote (non-blocking) and prints whole lines; final flushes the rest. */
static void hook_run_output(HookRun *r, gboolean final)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(r->out_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                hook_print_line(r, r->partial->str, r->partial->len);
                g_string_truncate(r->partial, 0);
            } else {
                g_string_append_c(r->partial, buf[i]);
                if (r->partial->len >= HOOKS_MAX_LINE) {
                    hook_print_line(r, r->partial->str, r->partial->len);
                    g_string_truncate(r->partial, 0);
                }
            }
        }
        if (!final)
            break;   /* one read per turn of the loop; come back when there is more */
    }
    if (final && r->partial->len) {
        hook_print_line(r, r->partial->str, r->partial->len);
        g_string_truncate(r->partial, 0);
    }
}

static gboolean hook_out_ready(gint fd, GIOCondition cond, gpointer data)
{
    (void)fd;
    HookRun *r = data;
    hook_run_output(r, FALSE);
    if (cond & (G_IO_HUP | G_IO_ERR)) {
        hook_run_output(r, TRUE);
        r->out_watch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean hook_timeout(gpointer data)
{
    HookRun *r = data;
    g_autofree char *name = probe_sanitize(r->job->name);
    listen_log("hook %s killed: still running after %u s", name, r->hooks->timeout_s);
    kill(-r->pid, SIGKILL);   /* its own process group: children go too */
    r->killed = TRUE;
    r->timer = 0;
    return G_SOURCE_REMOVE;
}

static void hook_exited(GPid pid, gint status, gpointer data)
{
    HookRun *r = data;
    ListenHooks *h = r->hooks;
    r->child_watch = 0;
    g_spawn_close_pid(pid);
    /* Whatever is still in the pipe; a grandchild holding it open is not waited for. */
    if (r->out_fd >= 0) {
        int flags = fcntl(r->out_fd, F_GETFL);
        fcntl(r->out_fd, F_SETFL, flags | O_NONBLOCK);
        hook_run_output(r, TRUE);
    }
    g_autofree char *name = probe_sanitize(r->job->name);
    if (!r->killed && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        listen_log("hook %s exited with status %d", name, WEXITSTATUS(status));
    else if (!r->killed && WIFSIGNALED(status))
        listen_log("hook %s killed by signal %d", name, WTERMSIG(status));
    r->killed = TRUE;   /* nothing left to kill */
    g_ptr_array_remove(h->runs, r);
    hook_run_free(r);
    h->running--;
    hooks_start_next(h);
}

static void hook_child_setup(gpointer data)
{
    (void)data;
    setpgid(0, 0);              /* so the timeout can kill the hook's children too */
    signal(SIGPIPE, SIG_DFL);   /* the listener ignores it; an ignored signal survives exec */
}

/* Checks the file again (it may have changed since it was queued) and starts it. */
static gboolean hook_start(ListenHooks *h, HookJob *job)
{
    struct stat lst, fst;
    if (lstat(job->path, &lst) < 0) {
        hook_warn(h, job->name, g_strerror(errno));
        return FALSE;
    }
    const char *why = hook_mode_problem(&lst);
    int fd = why ? -1 : open(job->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (!why && fd < 0)
        why = g_strerror(errno);
    if (!why && (fstat(fd, &fst) < 0 || fst.st_dev != lst.st_dev || fst.st_ino != lst.st_ino))
        why = "replaced while being checked";
    if (!why)
        why = hook_mode_problem(&fst);
    if (fd >= 0)
        close(fd);
    if (why) {
        hook_warn(h, job->name, why);
        return FALSE;
    }
    /* stdin: the line in an anonymous file, so a hook that never reads cannot block us. */
    int in_fd = memfd_create("qga-probe-hook-event", MFD_CLOEXEC);
    int out_pipe[2] = { -1, -1 };
    gsize len = strlen(job->line);
    if (in_fd < 0 || write(in_fd, job->line, len) != (ssize_t)len || write(in_fd, "\n", 1) != 1 ||
        lseek(in_fd, 0, SEEK_SET) != 0 || !g_unix_open_pipe(out_pipe, FD_CLOEXEC, NULL)) {
        listen_log("hooks: cannot set up a run: %s", g_strerror(errno));
        if (in_fd >= 0)
            close(in_fd);
        return FALSE;
    }
    char *argv[] = { job->path, NULL };
    GPid pid = 0;
    g_autoptr(GError) err = NULL;
    gboolean ok = g_spawn_async_with_pipes_and_fds("/", (const char *const *)argv, (const char *const *)job->env,
                                                   G_SPAWN_DO_NOT_REAP_CHILD, hook_child_setup, NULL,
                                                   in_fd, out_pipe[1], out_pipe[1], NULL, NULL, 0,
                                                   &pid, NULL, NULL, NULL, &err);
    close(in_fd);
    close(out_pipe[1]);
    if (!ok) {
        close(out_pipe[0]);
        g_autofree char *name = probe_sanitize(job->name);
        listen_log("hook %s could not start: %s", name, err->message);
        return FALSE;
    }
    g_unix_set_fd_nonblocking(out_pipe[0], TRUE, NULL);
    HookRun *r = g_new0(HookRun, 1);
    r->hooks = h;
    r->job = job;
    r->pid = pid;
    r->out_fd = out_pipe[0];
    r->partial = g_string_new(NULL);
    r->child_watch = g_child_watch_add(pid, hook_exited, r);
    r->out_watch = g_unix_fd_add(r->out_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, hook_out_ready, r);
    r->timer = g_timeout_add_seconds(h->timeout_s, hook_timeout, r);
    g_ptr_array_add(h->runs, r);
    h->running++;
    return TRUE;
}

static void hooks_start_next(ListenHooks *h)
{
    while (h->running < HOOKS_MAX_RUNNING && !g_queue_is_empty(&h->queue)) {
        HookJob *job = g_queue_pop_head(&h->queue);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(h->queued, job->guest));
        if (n <= 1)
            g_hash_table_remove(h->queued, job->guest);
        else
            g_hash_table_insert(h->queued, g_strdup(job->guest), GUINT_TO_POINTER(n - 1));
        if (!hook_start(h, job))
            hook_job_free(job);
    }
}

static gboolean hooks_report_overflow(gpointer data)
{
    ListenHooks *h = data;
    h->overflow_report = 0;
    listen_log("hooks: %" G_GUINT64_FORMAT " runs dropped so far (queue full: at most %d waiting, %d per guest)",
               h->overflow, HOOKS_MAX_QUEUED, HOOKS_MAX_QUEUED_PER_GUEST);
    return G_SOURCE_REMOVE;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The eligible hooks right now, sorted; the others logged (once per reason). */
static GPtrArray *hooks_list(ListenHooks *h)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    DIR *d = opendir(h->dir);
    if (!d) {
        listen_log("hooks: cannot read %s: %s", h->dir, g_strerror(errno));
        return names;
    }
    struct dirent *e;
    while ((e = readdir(d)) && names->len < 256) {
        if (e->d_name[0] == '.')
            continue;
        struct stat st;
        g_autofree char *path = g_build_filename(h->dir, e->d_name, NULL);
        if (lstat(path, &st) < 0)
            continue;
        const char *why = hook_mode_problem(&st);
        if (why) {
            hook_warn(h, e->d_name, why);
            continue;
        }
        g_hash_table_remove(h->warned, e->d_name);
        g_ptr_array_add(names, g_strdup(e->d_name));
    }
    closedir(d);
    g_ptr_array_sort(names, compare_names);
    return names;
}

void listen_hooks_event(ListenHooks *h, const char *domain, const char *uuid, const char *event,
                        const char *line)
{
    g_autoptr(GPtrArray) names = hooks_list(h);
    for (guint i = 0; i < names->len; i++) {
        const char *key = uuid ? uuid : domain;
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(h->queued, key));
        if (g_queue_get_length(&h->queue) >= HOOKS_MAX_QUEUED || n >= HOOKS_MAX_QUEUED_PER_GUEST) {
            h->overflow++;
            if (!h->overflow_report)
                h->overflow_report = g_timeout_add_seconds(1, hooks_report_overflow, h);
            continue;
        }
        HookJob *job = g_new0(HookJob, 1);
        job->name = g_strdup(g_ptr_array_index(names, i));
        job->path = g_build_filename(h->dir, job->name, NULL);
        job->guest = g_strdup(key);
        job->line = g_strdup(line);
        GPtrArray *env = g_ptr_array_new();
        g_ptr_array_add(env, g_strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        g_ptr_array_add(env, g_strdup_printf("QGA_DOMAIN=%s", domain));
        if (uuid)
            g_ptr_array_add(env, g_strdup_printf("QGA_DOMAIN_UUID=%s", uuid));
        g_ptr_array_add(env, g_strdup_printf("QGA_EVENT=%s", event));
        g_ptr_array_add(env, NULL);
        job->env = (char **)g_ptr_array_free(env, FALSE);
        g_hash_table_insert(h->queued, g_strdup(key), GUINT_TO_POINTER(n + 1));
        g_queue_push_tail(&h->queue, job);
    }
    hooks_start_next(h);
}
