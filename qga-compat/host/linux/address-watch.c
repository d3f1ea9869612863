/* rtnetlink RTMGRP_IPV4_IFADDR / RTMGRP_IPV6_IFADDR: the kernel tells us when an address comes or goes. */
#include "address-watch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"

struct QgaAddressWatch {
    QgaLoop *loop;
    int fd;
    QgaLoopWatch *watch;
    QgaAddressWatchFunc func;
    void *opaque;
};

static void on_netlink(QgaLoop *loop, QgaLoopWatch *watch, int fd, short revents, void *opaque)
{
    QgaAddressWatch *w = opaque;
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    bool changed = false;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOBUFS) {
            changed = true;   /* the kernel dropped messages for us: something did change */
            continue;
        }
        if (n <= 0)
            break;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
            if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
                changed = true;
    }
    if (changed)
        w->func(w->opaque);
}

QgaAddressWatch *qga_address_watch_new(QgaLoop *loop, QgaAddressWatchFunc func, void *opaque, QgaError **error)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        qga_error_set_os(error, errno, "cannot open a netlink socket");
        return NULL;
    }
    struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        qga_error_set_os(error, errno, "cannot join the netlink address groups");
        close(fd);
        return NULL;
    }
    QgaAddressWatch *w = qga_calloc(1, sizeof(*w));
    *w = (QgaAddressWatch){ .loop = loop, .fd = fd, .func = func, .opaque = opaque };
    w->watch = qga_loop_add_fd(loop, fd, POLLIN, on_netlink, w);
    return w;
}

void qga_address_watch_free(QgaAddressWatch *w)
{
    if (!w)
        return;
    qga_loop_remove_fd(w->loop, w->watch);
    close(w->fd);
    free(w);
}
