/* qemu-ga's command line and [general] config file: own option parser (no getopt on mingw), two passes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "mem.h"
#include "qga-version.h"

/* A config file is a few hundred bytes; anything this big is not one. */
#define CONFIG_FILE_MAX ((size_t)1 << 20)

/* ---- string lists ---- */

void qga_strlist_add_split(QgaStrList *list, const char *value)
{
    /* qemu-ga splits on ',' only, so "a;b" (the docs' and its own test's keyfile list syntax)
     * silently blocks nothing there; both separators mean what the user meant here. */
    const char *p = value;
    while (*p) {
        size_t n = strcspn(p, ",;");
        if (n > 0) {
            list->items = qga_realloc(list->items, (list->n + 1) * sizeof(char *));
            list->items[list->n++] = qga_strndup(p, n);
        }
        p += n;
        if (*p)
            p++;
    }
}

void qga_strlist_clear(QgaStrList *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static void set_str(char **field, const char *value)
{
    free(*field);
    *field = qga_strdup(value);
}

/* ---- the command line: getopt_long's rules for qemu-ga's "hVvdc:m:p:l:f:F::b:a:s:t:Dr" ---- */

typedef enum OptArg {
    OPT_NO_ARG,
    OPT_REQUIRED_ARG,
    OPT_OPTIONAL_ARG, /* -F: only glued ("-F/path", "--fsfreeze-hook=/path") */
} OptArg;

typedef struct OptSpec {
    char short_name;
    const char *long_name;
    OptArg arg;
} OptSpec;

enum { OPT_G2H = 1, OPT_G2H_METHOD, OPT_G2H_HEARTBEAT };

static const OptSpec opt_specs[] = {
    { 'h', "help", OPT_NO_ARG },
    { 'V', "version", OPT_NO_ARG },
    { 'c', "config", OPT_REQUIRED_ARG },
    { 'D', "dump-conf", OPT_NO_ARG },
    { 'l', "logfile", OPT_REQUIRED_ARG },
    { 'f', "pidfile", OPT_REQUIRED_ARG },
    { 'F', "fsfreeze-hook", OPT_OPTIONAL_ARG },
    { 'v', "verbose", OPT_NO_ARG },
    { 'm', "method", OPT_REQUIRED_ARG },
    { 'p', "path", OPT_REQUIRED_ARG },
    { 'd', "daemonize", OPT_NO_ARG },
    { 'b', "block-rpcs", OPT_REQUIRED_ARG },
    { 'a', "allow-rpcs", OPT_REQUIRED_ARG },
    { 's', "service", OPT_REQUIRED_ARG },
    { 't', "statedir", OPT_REQUIRED_ARG },
    { 'r', "retry-path", OPT_NO_ARG },
    /* Long-only options (a control code as short name: no "-x" can spell it): ours, not qemu-ga's. */
    { OPT_G2H, "g2h", OPT_REQUIRED_ARG },
    { OPT_G2H_METHOD, "g2h-method", OPT_REQUIRED_ARG },
    { OPT_G2H_HEARTBEAT, "g2h-heartbeat", OPT_REQUIRED_ARG },
};

typedef struct OptIter {
    int argc;
    char **argv;
    int next;             /* next argv element to look at */
    const char *cluster;  /* rest of a short-option group ("-vd"), or NULL */
} OptIter;

static void opt_iter_init(OptIter *it, int argc, char **argv)
{
    it->argc = argc;
    it->argv = argv;
    it->next = 1;
    it->cluster = NULL;
}

static int opt_long(OptIter *it, const char *text, const OptSpec **ret_spec, const char **ret_arg,
                    QgaError **error)
{
    const char *eq = strchr(text, '=');
    size_t name_len = eq ? (size_t)(eq - text) : strlen(text);
    const OptSpec *found = NULL;
    bool ambiguous = false;

    /* getopt_long accepts any unambiguous prefix ("--verb"); an exact name always wins. */
    for (size_t i = 0; i < QGA_N_ELEMENTS(opt_specs); i++) {
        const char *name = opt_specs[i].long_name;
        if (strncmp(name, text, name_len) != 0)
            continue;
        if (strlen(name) == name_len) {
            found = &opt_specs[i];
            ambiguous = false;
            break;
        }
        if (found)
            ambiguous = true;
        found = &opt_specs[i];
    }
    if (!found || name_len == 0) {
        qga_error_generic(error, "unknown option '--%.*s' (see --help)", (int)name_len, text);
        return -1;
    }
    if (ambiguous) {
        qga_error_generic(error, "option '--%.*s' is ambiguous (see --help)", (int)name_len, text);
        return -1;
    }
    const char *arg = NULL;
    switch (found->arg) {
    case OPT_NO_ARG:
        if (eq) {
            qga_error_generic(error, "option '--%s' takes no argument", found->long_name);
            return -1;
        }
        break;
    case OPT_REQUIRED_ARG:
        if (eq)
            arg = eq + 1;
        else if (it->next < it->argc)
            arg = it->argv[it->next++];
        else {
            qga_error_generic(error, "option '--%s' needs an argument", found->long_name);
            return -1;
        }
        break;
    case OPT_OPTIONAL_ARG:
        arg = eq ? eq + 1 : NULL;
        break;
    }
    *ret_spec = found;
    *ret_arg = arg;
    return 1;
}

/* 1: an option in *ret_spec / *ret_arg; 0: no more options; -1: error. */
static int opt_next(OptIter *it, const OptSpec **ret_spec, const char **ret_arg, QgaError **error)
{
    if (!it->cluster || !*it->cluster) {
        it->cluster = NULL;
        if (it->next >= it->argc)
            return 0;
        const char *a = it->argv[it->next++];
        if (strcmp(a, "--") == 0) {
            if (it->next < it->argc) {
                qga_error_generic(error, "unexpected argument '%s'", it->argv[it->next]);
                return -1;
            }
            return 0;
        }
        /* qemu-ga silently ignores stray words; a typo there should not go unnoticed. */
        if (a[0] != '-' || a[1] == '\0') {
            qga_error_generic(error, "unexpected argument '%s'", a);
            return -1;
        }
        if (a[1] == '-')
            return opt_long(it, a + 2, ret_spec, ret_arg, error);
        it->cluster = a + 1;
    }

    char c = *it->cluster++;
    const OptSpec *spec = NULL;
    for (size_t i = 0; i < QGA_N_ELEMENTS(opt_specs); i++)
        if (opt_specs[i].short_name == c && c > ' ')
            spec = &opt_specs[i];
    if (!spec) {
        qga_error_generic(error, "unknown option '-%c' (see --help)", c);
        return -1;
    }
    const char *arg = NULL;
    switch (spec->arg) {
    case OPT_NO_ARG:
        break;
    case OPT_REQUIRED_ARG:
        if (*it->cluster)
            arg = it->cluster;
        else if (it->next < it->argc)
            arg = it->argv[it->next++];
        else {
            qga_error_generic(error, "option '-%c' needs an argument", c);
            return -1;
        }
        it->cluster = NULL;
        break;
    case OPT_OPTIONAL_ARG:
        if (*it->cluster)
            arg = it->cluster;
        it->cluster = NULL;
        break;
    }
    *ret_spec = spec;
    *ret_arg = arg;
    return 1;
}

/* qemu's is_help_option(): "help" or "?". */
static bool is_help_option(const char *s)
{
    return strcmp(s, "help") == 0 || strcmp(s, "?") == 0;
}

/* ---- the config file ---- */

typedef enum ConfKey {
    KEY_DAEMON,
    KEY_METHOD,
    KEY_PATH,
    KEY_LOGFILE,
    KEY_PIDFILE,
    KEY_FSFREEZE_HOOK,
    KEY_STATEDIR,
    KEY_VERBOSE,
    KEY_RETRY_PATH,
    KEY_BLOCK_RPCS,
    KEY_ALLOW_RPCS,
    N_CONF_KEYS,
} ConfKey;

/* The [general] keys qemu-ga reads (note "daemon", not the docs' "daemonize"). */
static const char *const conf_key_names[N_CONF_KEYS] = {
    "daemon", "method", "path", "logfile", "pidfile", "fsfreeze-hook",
    "statedir", "verbose", "retry-path", "block-rpcs", "allow-rpcs",
};

typedef struct ConfValues {
    char *raw[N_CONF_KEYS];     /* last value seen: a repeated key replaces, as in GKeyFile */
    unsigned line[N_CONF_KEYS];
    QgaG2hConfig *g2h;          /* [g2h] keys go straight there (config-g2h.c) */
} ConfValues;

static void conf_values_clear(ConfValues *v)
{
    for (size_t i = 0; i < N_CONF_KEYS; i++)
        free(v->raw[i]);
}

static int conf_collect(void *opaque, const char *group, const char *key, const char *raw_value,
                        unsigned line, QgaError **error)
{
    ConfValues *v = opaque;
    if (strcmp(group, "g2h") == 0)
        return qga_config_g2h_key(v->g2h, key, raw_value, line, error);
    /* Other groups and unknown keys are ignored, as qemu-ga does. */
    if (strcmp(group, "general") != 0)
        return 0;
    for (size_t i = 0; i < N_CONF_KEYS; i++) {
        if (strcmp(key, conf_key_names[i]) == 0) {
            set_str(&v->raw[i], raw_value);
            v->line[i] = line;
        }
    }
    return 0;
}

static int conf_apply(QgaConfig *cfg, const ConfValues *v, QgaError **error)
{
    for (size_t i = 0; i < N_CONF_KEYS; i++) {
        if (!v->raw[i])
            continue;
        if (i == KEY_DAEMON || i == KEY_VERBOSE || i == KEY_RETRY_PATH) {
            bool b;
            if (!qga_keyfile_parse_bool(v->raw[i], &b)) {
                qga_error_generic(error, "line %u: key '%s': '%s' is not a boolean (true, false, 1 or 0)",
                                  v->line[i], conf_key_names[i], v->raw[i]);
                return -1;
            }
            if (i == KEY_DAEMON)
                cfg->daemon = b;
            else if (i == KEY_VERBOSE)
                cfg->verbose = b;
            else
                cfg->retry_path = b;
            continue;
        }
        _qga_cleanup_free_ char *value = NULL;
        if (qga_keyfile_unescape(v->raw[i], &value, error) < 0) {
            qga_error_prefix(*error, "line %u: key '%s'", v->line[i], conf_key_names[i]);
            return -1;
        }
        switch ((ConfKey)i) {
        case KEY_METHOD:
            set_str(&cfg->method, value);
            break;
        case KEY_PATH:
            set_str(&cfg->path, value);
            break;
        case KEY_LOGFILE:
            set_str(&cfg->logfile, value);
            break;
        case KEY_PIDFILE:
            set_str(&cfg->pidfile, value);
            break;
        case KEY_FSFREEZE_HOOK:
            set_str(&cfg->fsfreeze_hook, value);
            break;
        case KEY_STATEDIR:
            set_str(&cfg->statedir, value);
            break;
        case KEY_BLOCK_RPCS:
            qga_strlist_add_split(&cfg->block_rpcs, value);
            break;
        case KEY_ALLOW_RPCS:
            qga_strlist_add_split(&cfg->allow_rpcs, value);
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Read a whole (small) file; ENOENT is reported through *ret_missing so the caller can decide. */
static int read_file(const char *path, char **ret_data, size_t *ret_len, bool *ret_missing, QgaError **error)
{
    *ret_missing = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int err = errno;
        if (err == ENOENT) {
            *ret_missing = true;
            return 0;
        }
        qga_error_generic(error, "can't read config file '%s': %s", path, strerror(err));
        return -1;
    }
    QgaBuf buf = QGA_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf.len + n > CONFIG_FILE_MAX) {
            fclose(f);
            qga_buf_free(&buf);
            qga_error_generic(error, "config file '%s' is larger than %zu bytes", path, CONFIG_FILE_MAX);
            return -1;
        }
        qga_buf_append(&buf, chunk, n);
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        qga_buf_free(&buf);
        qga_error_generic(error, "can't read config file '%s': %s", path, strerror(err));
        return -1;
    }
    *ret_data = qga_buf_steal(&buf, ret_len);
    return 0;
}

/* qemu-ga's rule: an explicit (-c) file must exist; any file that exists must parse. */
static int config_load_file(QgaConfig *cfg, const char *path, bool required, QgaError **error)
{
    _qga_cleanup_free_ char *data = NULL;
    size_t len = 0;
    bool missing;
    if (read_file(path, &data, &len, &missing, error) < 0)
        return -1;
    if (missing) {
        if (required) {
            qga_error_generic(error, "can't read config file '%s': %s", path, strerror(ENOENT));
            return -1;
        }
        return 0;
    }

    ConfValues values = { .g2h = &cfg->g2h };
    int r = qga_keyfile_parse(data, len, conf_collect, &values, error);
    if (r == 0)
        r = conf_apply(cfg, &values, error);
    conf_values_clear(&values);
    if (r < 0) {
        qga_error_prefix(*error, "config file '%s'", path);
        return -1;
    }
    set_str(&cfg->config_path, path);
    return 0;
}

/* ---- output: -h, -V, -D ---- */

static void print_usage(FILE *out, const char *prog, const QgaConfigDefaults *d)
{
    QgaBuf methods = QGA_BUF_INIT;
    for (const char *const *m = d->methods; *m; m++)
        qga_buf_printf(&methods, "%s%s", m == d->methods ? "" : ", ", *m);

    fprintf(out,
            "Usage: %s [-m <method> -p <path>] [<options>]\n"
            "%s %s: a QEMU Guest Agent (qemu-ga) compatible agent\n"
            "\n"
            "  -c, --config=PATH     configuration file (default: %s,\n"
            "                        or the file named by the QGA_CONF environment variable)\n"
            "  -m, --method=METHOD   transport: %s (default: %s)\n"
            "  -p, --path=PATH       device or socket path; unix-listen needs one. Defaults:\n"
            "                          virtio-serial  %s\n"
            "                          isa-serial     %s\n"
            "  -l, --logfile=PATH    append the log to PATH (default: stderr)\n"
            "  -f, --pidfile=PATH    pid file written when daemonized (default: %s)\n",
            prog, QGA_PROGRAM_NAME, QGA_VERSION, d->config_path ? d->config_path : "none",
            methods.data ? methods.data : "", d->method, d->virtio_path, d->isa_path, d->pidfile);
    if (d->fsfreeze_hook)
        fprintf(out,
                "  -F[PATH], --fsfreeze-hook[=PATH]\n"
                "                        run a hook script with 'freeze'/'thaw' around fsfreeze\n"
                "                        (default script: %s; give PATH glued: -F/path)\n",
                d->fsfreeze_hook);
    fprintf(out,
            "  -t, --statedir=DIR    directory for state files (default: %s)\n"
            "  -v, --verbose         log everything (default: errors only)\n"
            "  -V, --version         print the version and exit\n"
            "  -d, --daemonize       run in the background (Windows: as a service)\n"
            "  -s, --service=ACTION  Windows service: install or uninstall\n"
            "  -b, --block-rpcs=LIST disable these commands (',' or ';' separated;\n"
            "                        --block-rpcs=help lists the commands)\n"
            "  -a, --allow-rpcs=LIST enable only these commands (same syntax; the block list wins)\n"
            "  -D, --dump-conf       print the effective configuration as a config file and exit\n"
            "  -r, --retry-path      keep retrying the channel when it is missing or goes away\n"
            "  -h, --help            print this help and exit\n",
            d->statedir);
    fputs(qga_config_g2h_usage(), out);
    qga_buf_free(&methods);
}

static void dump_list(QgaBuf *out, const char *key, const QgaStrList *list)
{
    qga_buf_printf(out, "%s=", key);
    for (size_t i = 0; i < list->n; i++) {
        if (i)
            qga_buf_append_byte(out, ';');
        qga_keyfile_escape(out, list->items[i]);
    }
    qga_buf_append_byte(out, '\n');
}

static void dump_str(QgaBuf *out, const char *key, const char *value)
{
    qga_buf_printf(out, "%s=", key);
    qga_keyfile_escape(out, value ? value : "");
    qga_buf_append_byte(out, '\n');
}

char *qga_config_dump(const QgaConfig *cfg)
{
    /* qemu-ga's key order and "only if set" rules. The lists are written in GKeyFile's string-list
     * form (';'), which its docs and its own /qga/config test read back; qemu-ga writes ','. */
    QgaBuf out = QGA_BUF_INIT;
    qga_buf_append_str(&out, "[general]\n");
    qga_buf_printf(&out, "daemon=%s\n", cfg->daemon ? "true" : "false");
    dump_str(&out, "method", cfg->method);
    if (cfg->path)
        dump_str(&out, "path", cfg->path);
    if (cfg->logfile)
        dump_str(&out, "logfile", cfg->logfile);
    dump_str(&out, "pidfile", cfg->pidfile);
    if (cfg->fsfreeze_hook)
        dump_str(&out, "fsfreeze-hook", cfg->fsfreeze_hook);
    dump_str(&out, "statedir", cfg->statedir);
    qga_buf_printf(&out, "verbose=%s\n", cfg->verbose ? "true" : "false");
    qga_buf_printf(&out, "retry-path=%s\n", cfg->retry_path ? "true" : "false");
    dump_list(&out, "block-rpcs", &cfg->block_rpcs);
    dump_list(&out, "allow-rpcs", &cfg->allow_rpcs);
    qga_config_g2h_dump(&out, &cfg->g2h, cfg->defaults);
    return qga_buf_steal(&out, NULL);
}

/* ---- the two passes ---- */

/* Defaults for what neither the file nor the command line set, then sanity of the result. */
static int config_finish(QgaConfig *cfg, QgaError **error)
{
    const QgaConfigDefaults *d = cfg->defaults;
    if (!cfg->method)
        cfg->method = qga_strdup(d->method);
    bool known = false;
    for (const char *const *m = d->methods; *m; m++)
        if (strcmp(*m, cfg->method) == 0)
            known = true;
    if (!known) {
        if (strcmp(cfg->method, "vsock-listen") == 0) {
            qga_error_generic(error, "method 'vsock-listen' is not supported by %s", QGA_PROGRAM_NAME);
            return -1;
        }
        QgaBuf list = QGA_BUF_INIT;
        for (const char *const *m = d->methods; *m; m++)
            qga_buf_printf(&list, "%s%s", m == d->methods ? "" : ", ", *m);
        qga_error_generic(error, "unknown method '%s' (supported: %s)", cfg->method, list.data ? list.data : "");
        qga_buf_free(&list);
        return -1;
    }
    if (!cfg->path) {
        if (strcmp(cfg->method, "virtio-serial") == 0)
            cfg->path = qga_strdup(d->virtio_path);
        else if (strcmp(cfg->method, "isa-serial") == 0)
            cfg->path = qga_strdup(d->isa_path);
        else {
            qga_error_generic(error, "method '%s' needs a path (-p)", cfg->method);
            return -1;
        }
    }
    if (!cfg->pidfile)
        cfg->pidfile = qga_strdup(d->pidfile);
    if (!cfg->statedir)
        cfg->statedir = qga_strdup(d->statedir);
    if (qga_config_g2h_finish(&cfg->g2h, d, error) < 0)
        return -1;
    if (!cfg->g2h.disabled && strcmp(cfg->g2h.path, cfg->path) == 0) {
        qga_error_generic(error, "the guest-driven channel's path '%s' is the QGA channel's (-p); "
                                 "give it its own port or --g2h=off", cfg->path);
        return -1;
    }
    return 0;
}

/*
 * Pass 1: the config file to read, plus the options that print and exit. Those act the moment
 * they are parsed (as in qemu-ga), but here before the config file is read, so a broken file
 * cannot stop --help or --version. Returns 1 when one of them acted (*ret_action set), 0 to go
 * on, -1 on a bad option.
 */
static int first_pass(int argc, char **argv, FILE *out, const QgaConfigDefaults *d,
                      const char **ret_confpath, bool *ret_required, QgaConfigAction *ret_action,
                      QgaError **error)
{
    const char *prog = argc > 0 && argv[0] ? argv[0] : QGA_PROGRAM_NAME;
    const OptSpec *spec;
    const char *arg;
    OptIter it;
    int r;

    opt_iter_init(&it, argc, argv);
    while ((r = opt_next(&it, &spec, &arg, error)) > 0) {
        if (spec->short_name == 's')
            break; /* nothing after -s matters (see the second pass) */
        switch (spec->short_name) {
        case 'c':
            *ret_confpath = arg;
            *ret_required = true;
            break;
        case 'h':
            print_usage(out, prog, d);
            *ret_action = QGA_CONFIG_EXIT_OK;
            return 1;
        case 'V':
            fprintf(out, "%s %s (QEMU Guest Agent protocol)\n", QGA_PROGRAM_NAME, QGA_VERSION);
            *ret_action = QGA_CONFIG_EXIT_OK;
            return 1;
        case 'b':
        case 'a':
            if (is_help_option(arg)) {
                *ret_action = QGA_CONFIG_LIST_COMMANDS;
                return 1;
            }
            break;
        default:
            break;
        }
    }
    return r < 0 ? -1 : 0;
}

/* Pass 2, one option over what the file set: last wins, lists accumulate. Returns 1 for -s
 * (qemu-ga installs the service the moment it sees it: later options are not part of it), 0 to
 * go on, -1 on a bad value. */
static int apply_option(QgaConfig *cfg, const OptSpec *spec, const char *arg, bool *dump,
                        QgaError **error)
{
    switch (spec->short_name) {
    case 'm':
        set_str(&cfg->method, arg);
        break;
    case 'p':
        set_str(&cfg->path, arg);
        break;
    case 'l':
        set_str(&cfg->logfile, arg);
        break;
    case 'f':
        set_str(&cfg->pidfile, arg);
        break;
    case 'F':
        set_str(&cfg->fsfreeze_hook, arg ? arg : cfg->defaults->fsfreeze_hook);
        break;
    case 't':
        set_str(&cfg->statedir, arg);
        break;
    case 'v':
        cfg->verbose = true;
        break;
    case 'd':
        cfg->daemon = true;
        break;
    case 'r':
        cfg->retry_path = true;
        break;
    case 'D':
        *dump = true;
        break;
    case 'b':
        qga_strlist_add_split(&cfg->block_rpcs, arg);
        break;
    case 'a':
        qga_strlist_add_split(&cfg->allow_rpcs, arg);
        break;
    case OPT_G2H:
    case OPT_G2H_METHOD:
    case OPT_G2H_HEARTBEAT:
        return qga_config_g2h_option(&cfg->g2h, spec->long_name, arg, error) < 0 ? -1 : 0;
    case 's':
        set_str(&cfg->service_action, arg);
        return 1;
    default:
        break;
    }
    return 0;
}

int qga_config_load(QgaConfig *cfg, const QgaConfigDefaults *defaults, int argc, char **argv,
                    FILE *out, QgaConfigAction *ret_action, QgaError **error)
{
    cfg->defaults = defaults;
    const char *confpath = NULL;
    bool confrequired = false;
    int r = first_pass(argc, argv, out, defaults, &confpath, &confrequired, ret_action, error);
    if (r != 0)
        return r < 0 ? -1 : 0;

    if (!confpath) {
        const char *env = getenv("QGA_CONF");
        confpath = env ? env : defaults->config_path;
    }
    if (confpath && config_load_file(cfg, confpath, confrequired, error) < 0)
        return -1;

    bool dump = false;
    const OptSpec *spec;
    const char *arg;
    OptIter it;
    opt_iter_init(&it, argc, argv);
    while ((r = opt_next(&it, &spec, &arg, error)) > 0) {
        int applied = apply_option(cfg, spec, arg, &dump, error);
        if (applied < 0)
            return -1;
        if (applied > 0) {
            *ret_action = QGA_CONFIG_SERVICE;
            return 0;
        }
    }
    if (r < 0)
        return -1;

    if (config_finish(cfg, error) < 0)
        return -1;
    if (dump) {
        _qga_cleanup_free_ char *text = qga_config_dump(cfg);
        fputs(text, out);
        *ret_action = QGA_CONFIG_EXIT_OK;
        return 0;
    }
    *ret_action = QGA_CONFIG_RUN;
    return 0;
}

void qga_config_clear(QgaConfig *cfg)
{
    free(cfg->config_path);
    free(cfg->method);
    free(cfg->path);
    free(cfg->logfile);
    free(cfg->pidfile);
    free(cfg->fsfreeze_hook);
    free(cfg->statedir);
    free(cfg->service_action);
    qga_strlist_clear(&cfg->block_rpcs);
    qga_strlist_clear(&cfg->allow_rpcs);
    qga_config_g2h_clear(&cfg->g2h);
    *cfg = (QgaConfig){ 0 };
}
