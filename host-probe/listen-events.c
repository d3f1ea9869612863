/* libvirt's event callbacks (connection I/O, keepalive and domain-event timers) run by GLib's main loop, so one thread serves libvirt and the guests. */
#include <glib.h>
#include <libvirt/libvirt.h>

#include "listen-events.h"

/*
 * libvirt delivers domain events only through a registered event implementation
 * (virEventRegisterImpl). Its default one owns the poll loop; registering these six functions
 * instead puts libvirt's watches and timers on GLib's default main context, next to the
 * guests' sockets and the hooks' child watches. libvirt may call them from any thread, hence
 * the lock; callbacks run without it.
 */

typedef struct LvHandle {
    GSource source;
    int watch;
    int fd;
    gpointer tag;
    virEventHandleCallback cb;
    void *opaque;
    virFreeCallback ff;
} LvHandle;

typedef struct LvTimer {
    GSource source;
    int timer;
    int interval_ms;   /* -1 disabled, 0 every iteration, >0 period */
    virEventTimeoutCallback cb;
    void *opaque;
    virFreeCallback ff;
} LvTimer;

static GMutex lv_lock;
static GHashTable *lv_handles;   /* watch -> LvHandle* */
static GHashTable *lv_timers;    /* timer -> LvTimer* */
static int lv_next_id = 1;

static GIOCondition lv_to_condition(int events)
{
    return (events & VIR_EVENT_HANDLE_READABLE ? G_IO_IN : 0) |
           (events & VIR_EVENT_HANDLE_WRITABLE ? G_IO_OUT : 0);
}

static int lv_from_condition(GIOCondition cond)
{
    return (cond & G_IO_IN ? VIR_EVENT_HANDLE_READABLE : 0) | (cond & G_IO_OUT ? VIR_EVENT_HANDLE_WRITABLE : 0) |
           (cond & G_IO_ERR ? VIR_EVENT_HANDLE_ERROR : 0) | (cond & G_IO_HUP ? VIR_EVENT_HANDLE_HANGUP : 0);
}

static gboolean lv_handle_dispatch(GSource *source, GSourceFunc unused, gpointer data)
{
    (void)unused;
    (void)data;
    LvHandle *h = (LvHandle *)source;
    GIOCondition cond = g_source_query_unix_fd(source, h->tag);
    if (cond)
        h->cb(h->watch, h->fd, lv_from_condition(cond), h->opaque);
    return G_SOURCE_CONTINUE;
}

static gboolean lv_timer_dispatch(GSource *source, GSourceFunc unused, gpointer data)
{
    (void)unused;
    (void)data;
    LvTimer *t = (LvTimer *)source;
    g_mutex_lock(&lv_lock);
    int interval = t->interval_ms;
    g_mutex_unlock(&lv_lock);
    if (interval < 0) {
        g_source_set_ready_time(source, -1);   /* disabled meanwhile: a passed ready time stays ready */
        return G_SOURCE_CONTINUE;
    }
    g_source_set_ready_time(source, interval == 0 ? 0 : g_get_monotonic_time() + (gint64)interval * 1000);
    t->cb(t->timer, t->opaque);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs lv_handle_funcs = { .dispatch = lv_handle_dispatch };
static GSourceFuncs lv_timer_funcs = { .dispatch = lv_timer_dispatch };

typedef struct LvFree {
    virFreeCallback ff;
    void *opaque;
} LvFree;

/* libvirt wants the opaque data released after the remove call has returned. */
static gboolean lv_free_later(gpointer data)
{
    LvFree *f = data;
    f->ff(f->opaque);
    g_free(f);
    return G_SOURCE_REMOVE;
}

static void lv_schedule_free(virFreeCallback ff, void *opaque)
{
    if (!ff)
        return;
    LvFree *f = g_new0(LvFree, 1);
    f->ff = ff;
    f->opaque = opaque;
    g_idle_add(lv_free_later, f);
}

static int lv_add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
    LvHandle *h = (LvHandle *)g_source_new(&lv_handle_funcs, sizeof(LvHandle));
    h->fd = fd;
    h->cb = cb;
    h->opaque = opaque;
    h->ff = ff;
    h->tag = g_source_add_unix_fd(&h->source, fd, lv_to_condition(events));
    g_mutex_lock(&lv_lock);
    h->watch = lv_next_id++;
    g_hash_table_insert(lv_handles, GINT_TO_POINTER(h->watch), h);
    g_mutex_unlock(&lv_lock);
    g_source_attach(&h->source, NULL);
    return h->watch;
}

static void lv_update_handle(int watch, int events)
{
    g_mutex_lock(&lv_lock);
    LvHandle *h = g_hash_table_lookup(lv_handles, GINT_TO_POINTER(watch));
    if (h)
        g_source_modify_unix_fd(&h->source, h->tag, lv_to_condition(events));
    g_mutex_unlock(&lv_lock);
}

static int lv_remove_handle(int watch)
{
    g_mutex_lock(&lv_lock);
    LvHandle *h = g_hash_table_lookup(lv_handles, GINT_TO_POINTER(watch));
    if (h)
        g_hash_table_remove(lv_handles, GINT_TO_POINTER(watch));
    g_mutex_unlock(&lv_lock);
    if (!h)
        return -1;
    lv_schedule_free(h->ff, h->opaque);
    g_source_destroy(&h->source);
    g_source_unref(&h->source);
    return 0;
}

static int lv_add_timeout(int interval, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
    LvTimer *t = (LvTimer *)g_source_new(&lv_timer_funcs, sizeof(LvTimer));
    t->interval_ms = interval;
    t->cb = cb;
    t->opaque = opaque;
    t->ff = ff;
    g_source_set_ready_time(&t->source, interval < 0 ? -1 : interval == 0 ? 0
                                        : g_get_monotonic_time() + (gint64)interval * 1000);
    g_mutex_lock(&lv_lock);
    t->timer = lv_next_id++;
    g_hash_table_insert(lv_timers, GINT_TO_POINTER(t->timer), t);
    g_mutex_unlock(&lv_lock);
    g_source_attach(&t->source, NULL);
    return t->timer;
}

static void lv_update_timeout(int timer, int interval)
{
    g_mutex_lock(&lv_lock);
    LvTimer *t = g_hash_table_lookup(lv_timers, GINT_TO_POINTER(timer));
    if (t) {
        t->interval_ms = interval;
        g_source_set_ready_time(&t->source, interval < 0 ? -1 : interval == 0 ? 0
                                            : g_get_monotonic_time() + (gint64)interval * 1000);
    }
    g_mutex_unlock(&lv_lock);
}

static int lv_remove_timeout(int timer)
{
    g_mutex_lock(&lv_lock);
    LvTimer *t = g_hash_table_lookup(lv_timers, GINT_TO_POINTER(timer));
    if (t)
        g_hash_table_remove(lv_timers, GINT_TO_POINTER(timer));
    g_mutex_unlock(&lv_lock);
    if (!t)
        return -1;
    lv_schedule_free(t->ff, t->opaque);
    g_source_destroy(&t->source);
    g_source_unref(&t->source);
    return 0;
}

void listen_libvirt_events_register(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        lv_handles = g_hash_table_new(g_direct_hash, g_direct_equal);
        lv_timers = g_hash_table_new(g_direct_hash, g_direct_equal);
        virEventRegisterImpl(lv_add_handle, lv_update_handle, lv_remove_handle, lv_add_timeout,
                             lv_update_timeout, lv_remove_timeout);
        g_once_init_leave(&done, 1);
    }
}
