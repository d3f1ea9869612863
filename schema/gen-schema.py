#!/usr/bin/env python3
"""Validate schema/qga-compat.json and generate the agent's command table, its handler
prototypes, the guest-driven message tables of the agent and of qga-probe, and docs/COMMANDS.md
from it. The format is described in schema/README.md.
Standard library only: meson runs it at build time on every host, cross builds included."""

import argparse
import json
import os
import re
import sys

PLATFORMS = ('posix', 'win32')
UPSTREAM_OSES = ('linux', 'windows')

# Builtin types: C kind, JSON kind (to detect alternates that cannot be told apart),
# integer range as C expressions (min, max, is_unsigned), and the docs' description.
# uint64 accepts negative integers (they wrap): QEMU's input visitor does so for backward
# compatibility, while the narrower unsigned types reject them ("... expects uint16").
BUILTINS = {
    'int': ('QGA_TYPE_INT', 'number', ('INT64_MIN', 'INT64_MAX', False), 'integer, -2^63 .. 2^63-1'),
    'int8': ('QGA_TYPE_INT', 'number', ('INT8_MIN', 'INT8_MAX', False), 'integer, -128 .. 127'),
    'int16': ('QGA_TYPE_INT', 'number', ('INT16_MIN', 'INT16_MAX', False), 'integer, -32768 .. 32767'),
    'int32': ('QGA_TYPE_INT', 'number', ('INT32_MIN', 'INT32_MAX', False), 'integer, -2^31 .. 2^31-1'),
    'int64': ('QGA_TYPE_INT', 'number', ('INT64_MIN', 'INT64_MAX', False), 'integer, -2^63 .. 2^63-1'),
    'uint8': ('QGA_TYPE_INT', 'number', ('0', 'UINT8_MAX', True), 'integer, 0 .. 255'),
    'uint16': ('QGA_TYPE_INT', 'number', ('0', 'UINT16_MAX', True), 'integer, 0 .. 65535'),
    'uint32': ('QGA_TYPE_INT', 'number', ('0', 'UINT32_MAX', True), 'integer, 0 .. 2^32-1'),
    'uint64': ('QGA_TYPE_INT', 'number', ('INT64_MIN', 'UINT64_MAX', True),
               'integer, 0 .. 2^64-1; as input, negative integers are accepted and wrap, as in qemu-ga'),
    'size': ('QGA_TYPE_INT', 'number', ('0', 'UINT64_MAX', True), 'integer, 0 .. 2^64-1 (a byte count)'),
    'number': ('QGA_TYPE_NUMBER', 'number', None, 'number (integers accepted)'),
    'str': ('QGA_TYPE_STRING', 'string', None, 'string'),
    'bool': ('QGA_TYPE_BOOL', 'boolean', None, 'true or false'),
    'null': ('QGA_TYPE_NULL', 'null', None, 'null'),
    'any': ('QGA_TYPE_ANY', None, None, 'any value'),
}

TYPE_NAME_RE = re.compile(r'^[A-Z][A-Za-z0-9]*$')
MEMBER_NAME_RE = re.compile(r'^[a-z][a-z0-9-]*$')
EXCEPTION_MEMBER_NAME_RE = re.compile(r'^[a-z][a-z0-9_-]*$')  # member-name-exceptions
HOST_REQUEST_NAME_RE = re.compile(r'^host-[a-z0-9-]+$')
EVENT_NAME_RE = re.compile(r'^[A-Z][A-Z0-9_]*$')
VERSION_RE = re.compile(r'^[0-9]+\.[0-9]+(\.[0-9]+)?$')

# Command flags: schema key, the value that sets the C flag, the flag.
COMMAND_FLAGS = (('success-response', False, 'QGA_CMD_NO_SUCCESS_RESPONSE'),
                 ('allowed-while-frozen', True, 'QGA_CMD_ALLOWED_WHILE_FROZEN'),
                 ('privileged', True, 'QGA_CMD_PRIVILEGED'),
                 ('delimited-reply', True, 'QGA_CMD_DELIMITED_REPLY'))

# The keys each kind of schema object has besides its name, and what each must hold.
MEMBER_FIELDS = {'type': 'type', 'optional': 'bool', 'doc': 'doc'}
TYPE_FIELDS = {
    'struct': {'kind': 'kind', 'doc': 'doc', 'members': 'members'},
    'enum': {'kind': 'kind', 'doc': 'doc', 'values': 'values'},
    'alternate': {'kind': 'kind', 'doc': 'doc', 'alternatives': 'alternatives'},
    'union': {'kind': 'kind', 'doc': 'doc', 'base': 'members', 'discriminator': 'str',
              'variants': 'variants'},
}
COMMAND_FIELDS = {'doc': 'doc', 'args': 'members', 'returns': 'returns',
                  'success-response': 'bool', 'allowed-while-frozen': 'bool', 'privileged': 'bool',
                  'delimited-reply': 'bool', 'qemu-ga': 'qemu-ga', 'platforms': 'platforms'}
HOST_REQUEST_FIELDS = {'doc': 'doc', 'args': 'members', 'returns': 'returns', 'platforms': 'platforms'}
EVENT_FIELDS = {'doc': 'doc', 'data': 'members', 'platforms': 'platforms', 'origin': 'origin'}
G2H_OPTIONAL_FIELDS = {'setting': 'setting'}

# Who sends an event: "agent", the portable link on its own (on every platform listed), or
# "os", the platform's glue when the OS reports something (only where its watch works).
G2H_ORIGINS = ('agent', 'os')
# The [g2h] settings a message may need (never sent while the setting is off); the C names are
# QgaG2hSetting in qga-compat/g2h/messages.h, which build_capabilities in link.c tests.
G2H_SETTINGS = ('fs-free-threshold', 'time-sync-on-resume', 'forward-log')
# The member types qga-probe listen checks (type_ok in host-probe/g2h-host.c), as it spells them.
PROBE_MEMBER_TYPES = {'str': 'str', 'int': 'int', 'uint64': 'uint64', '[str]': '[str]'}


class SchemaError(Exception):
    """The schema file is unreadable or invalid; args[0] lists every problem found."""


def reject_duplicate_keys(pairs):
    """json object hook: a repeated key is a mistake, not a silent override."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key '%s'" % next(key for key in keys if keys.count(key) > 1))
    return dict(pairs)


def load_schema(path):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f, object_pairs_hook=reject_duplicate_keys)
    except (OSError, ValueError) as e:
        raise SchemaError(['not valid JSON: %s' % e]) from None


def ref_name(ref):
    """A type reference as the schema writes it: "str", "GuestFoo" or "[GuestFoo]"."""
    return '[%s]' % ref[0] if isinstance(ref, list) else ref


# ---------------------------------------------------------------------------- validation

class Validator:
    """Collects every problem of a schema, each prefixed with where it is."""

    def __init__(self, schema):
        self.schema, self.problems, self.types, self.exceptions = schema, [], {}, []

    def error(self, where, message):
        self.problems.append('%s: %s' % (where, message))

    def check_keys(self, obj, where, required, optional=()):
        if not isinstance(obj, dict):
            return self.error(where, 'must be an object')
        for key in required:
            if key not in obj:
                self.error(where, "missing key '%s'" % key)
        for key in obj:
            if key not in required and key not in optional:
                self.error(where, "unknown key '%s'" % key)
        return all(key in obj for key in required)

    def check_named_list(self, items, where, what, name_re, fields, name_key='name', optional=None):
        """A list of objects with unique names; returns the well-formed ones. fields (and
        optional) map each further key to its kind; fields may be a function of the object."""
        if not isinstance(items, list):
            return self.error(where, 'the %ss must be a list' % what) or []
        good, seen, optional = [], set(), optional or {}
        for i, item in enumerate(items):
            name = item.get(name_key) if isinstance(item, dict) else None
            if not isinstance(name, str) or not name_re.match(name):
                self.error('%s: %s %d' % (where, what, i), '%s name %s does not match %s'
                           % (what, json.dumps(name), name_re.pattern))
                continue
            iwhere = "%s: %s '%s'" % (where, what, name)
            if name in seen:
                self.error(iwhere, 'duplicate %s' % what)
            seen.add(name)
            item_fields = fields(item) if callable(fields) else fields
            if self.check_keys(item, iwhere, (name_key,) + tuple(item_fields), tuple(optional)):
                for key, kind in list(item_fields.items()) + list(optional.items()):
                    if key in item:
                        self.check_field(item, key, kind, iwhere)
                good.append(item)
        return good

    def check_field(self, obj, key, kind, where):
        value = obj[key]
        if kind == 'doc' and (not isinstance(value, str) or not value.strip()):
            self.error(where, "'%s' must be a non-empty string" % key)
        elif kind == 'str' and not isinstance(value, str):
            self.error(where, "'%s' must be a string" % key)
        elif kind == 'bool' and not isinstance(value, bool):
            self.error(where, "'%s' must be true or false, not %s" % (key, json.dumps(value)))
        elif kind == 'kind' and not (isinstance(value, str) and value in TYPE_FIELDS):
            self.error(where, 'kind %s is not one of %s' % (json.dumps(value), ', '.join(TYPE_FIELDS)))
        elif kind == 'type' or (kind == 'returns' and value is not None):
            self.check_type_ref(value, where if key == 'type' else '%s: %s' % (where, key))
        elif kind == 'members':
            name_re = EXCEPTION_MEMBER_NAME_RE if obj.get('name') in self.exceptions else MEMBER_NAME_RE
            self.check_named_list(value, where, 'member', name_re, MEMBER_FIELDS)
        elif kind == 'values':
            self.check_named_list(value, where, 'value', MEMBER_NAME_RE, {'doc': 'doc'},
                                  optional={'qemu-ga-absent-on': 'oses'})
            if value == []:
                self.error(where, 'an enum needs at least one value')
        elif kind == 'oses' and (not isinstance(value, list) or any(o not in UPSTREAM_OSES for o in value)):
            self.error(where, "'%s' must list some of %s" % (key, ', '.join(UPSTREAM_OSES)))
        elif kind == 'alternatives':
            self.check_alternatives(self.check_named_list(
                value, where, 'alternative', MEMBER_NAME_RE, {'type': 'type', 'doc': 'doc'}), where)
        elif kind == 'variants':
            self.check_named_list(value, where, 'variant', MEMBER_NAME_RE, {'type': 'type'}, name_key='value')
        elif kind == 'platforms':
            self.check_platforms(value, where)
        elif kind == 'origin' and value not in G2H_ORIGINS:
            self.error(where, "'origin' must be one of %s" % ', '.join(G2H_ORIGINS))
        elif kind == 'setting' and value not in G2H_SETTINGS:
            self.error(where, "'setting' must be one of %s" % ', '.join(G2H_SETTINGS))
        elif kind == 'qemu-ga':
            self.check_upstream(value, "%s: '%s'" % (where, key))

    def check_type_ref(self, ref, where):
        """A type reference: a builtin or named type, or ["Type"] for an array of one."""
        if isinstance(ref, list):
            if len(ref) != 1 or not isinstance(ref[0], str):
                return self.error(where, 'an array type is written ["Type"] with one type name')
            ref = ref[0]
        if not isinstance(ref, str):
            self.error(where, 'type must be a type name or ["Type"]')
        elif ref not in BUILTINS and ref not in self.types:
            self.error(where, "unknown type '%s'" % ref)

    def check_alternatives(self, alternatives, where):
        """qemu-ga picks an alternative by the JSON type of the value, so those must differ."""
        if len(alternatives) < 2:
            self.error(where, 'an alternate needs at least two alternatives')
        by_kind = {}
        for ref in (alt['type'] for alt in alternatives):
            if isinstance(ref, list):
                kind, ref = 'array', ref_name(ref)
            elif isinstance(ref, str) and (ref in BUILTINS or ref in self.types):
                kind = BUILTINS[ref][1] if ref in BUILTINS else \
                    {'struct': 'object', 'union': 'object', 'enum': 'string'}.get(self.types[ref].get('kind'))
            else:
                continue  # an unknown name, reported by check_type_ref
            if kind is None:
                self.error(where, "type '%s' cannot be an alternative" % ref)
            elif kind in by_kind:
                self.error(where, "'%s' and '%s' are both JSON %s values, so they cannot be told apart"
                           % (by_kind[kind], ref, kind))
            else:
                by_kind[kind] = ref

    def check_platforms(self, platforms, where):
        if not isinstance(platforms, list):
            return self.error(where, "'platforms' must be a list")
        for p in platforms:
            if p not in PLATFORMS:
                self.error(where, 'platform %s is not one of %s' % (json.dumps(p), ', '.join(PLATFORMS)))
        if len(set(map(json.dumps, platforms))) != len(platforms):
            self.error(where, "'platforms' lists a platform twice")

    def check_upstream(self, upstream, where):
        if upstream is None or not self.check_keys(upstream, where, UPSTREAM_OSES, ('note',)):
            return
        for os_name in UPSTREAM_OSES:
            version = upstream[os_name]
            if version is not None and (not isinstance(version, str) or not VERSION_RE.match(version)):
                self.error(where, "'%s' must be a version like \"2.10\" or null" % os_name)
        if upstream['linux'] is None and upstream['windows'] is None:
            self.error(where, 'use null instead of an object when qemu-ga has it on no OS')
        if not isinstance(upstream.get('note', ''), str):
            self.error(where, "'note' must be a string")

    def check_union(self, t):
        where = "types: type '%s'" % t['name']
        disc = next((m for m in t['base'] if m['name'] == t['discriminator']), None)
        enum = self.types.get(disc['type']) if disc and isinstance(disc['type'], str) else None
        if disc is None or disc['optional'] or not enum or enum['kind'] != 'enum':
            return self.error(where, "discriminator '%s' must be a required base member of enum type"
                              % t['discriminator'])
        for variant in t['variants']:
            if variant['value'] not in [v['name'] for v in enum['values']]:
                self.error(where, "variant '%s' is not a value of enum '%s'" % (variant['value'], enum['name']))
            if isinstance(variant['type'], list) or self.types.get(variant['type'], {}).get('kind') != 'struct':
                self.error(where, "variant type '%s' must be a struct type" % ref_name(variant['type']))

    def check_command(self, cmd):
        where = "commands: command '%s'" % cmd['name']
        if cmd['delimited-reply'] and not cmd['success-response']:
            self.error(where, "'delimited-reply' needs 'success-response': true")
        for arg in cmd['args']:
            # Arguments are checked through the C tables, which have no union kind.
            for name in sorted(self.reachable_types(arg['type'], set())):
                if self.types[name]['kind'] == 'union':
                    self.error("%s: argument '%s'" % (where, arg['name']),
                               "uses union type '%s'; unions are only allowed in results" % name)

    def check_g2h_message(self, msg, is_event):
        where = "guest-driven: %s '%s'" % ('event' if is_event else 'host request', msg['name'])
        if msg.get('origin') == 'os' and 'setting' in msg:
            self.error(where, "an event of origin 'os' is sent when the OS reports it: it takes no 'setting'")
        for m in msg['args' if not is_event else 'data']:
            if ref_name(m['type']) not in PROBE_MEMBER_TYPES:
                self.error("%s: member '%s'" % (where, m['name']),
                           "type %s is not one qga-probe listen checks (%s); teach type_ok in "
                           "host-probe/g2h-host.c and PROBE_MEMBER_TYPES here first"
                           % (ref_name(m['type']), ', '.join(PROBE_MEMBER_TYPES)))

    def reachable_types(self, ref, found):
        """Adds to found the named types a type reference leads to, itself included."""
        name = ref[0] if isinstance(ref, list) else ref
        if name in self.types and name not in found:
            found.add(name)
            t = self.types[name]
            for item in t.get('members', []) + t.get('base', []) + t.get('alternatives', []) + t.get('variants', []):
                self.reachable_types(item['type'], found)
        return found

    def check_meaning(self):
        """The checks that need a well-formed schema: unions, flags, arguments, unused types."""
        for t in self.schema['types']:
            if t['kind'] == 'union':
                self.check_union(t)
        for cmd in self.schema['commands']:
            self.check_command(cmd)
        for msg, is_event in g2h_messages(self.schema):
            self.check_g2h_message(msg, is_event)
        used, messages = set(), self.schema['guest-driven']
        for owner in self.schema['commands'] + messages['host-requests'] + messages['events']:
            for member in owner.get('args', owner.get('data', [])):
                self.reachable_types(member['type'], used)
            self.reachable_types(owner.get('returns'), used)
        for name in self.types:
            if name not in used:
                self.error("types: type '%s'" % name, 'is not used by any command or message')

    def run(self):
        """Returns the named types by name, or raises SchemaError with every problem."""
        schema = self.schema
        if not self.check_keys(schema, 'top level', ('types', 'commands', 'guest-driven'),
                               ('doc', 'member-name-exceptions')):
            raise SchemaError(self.problems)
        if isinstance(schema['types'], list):
            self.types = {t['name']: t for t in schema['types']
                          if isinstance(t, dict) and isinstance(t.get('name'), str)}
        self.exceptions = schema.get('member-name-exceptions', [])
        if not isinstance(self.exceptions, list) or not all(isinstance(n, str) for n in self.exceptions):
            self.exceptions = self.error('member-name-exceptions', 'must be a list of type names') or []
        for name in self.exceptions:
            if self.types.get(name, {}).get('kind') != 'struct':
                self.error('member-name-exceptions', "'%s' is not a struct type" % name)
        self.check_named_list(schema['types'], 'types', 'type', TYPE_NAME_RE,
                              lambda t: TYPE_FIELDS.get(str(t.get('kind')), {'kind': 'kind'}))
        self.check_named_list(schema['commands'], 'commands', 'command', MEMBER_NAME_RE, COMMAND_FIELDS)
        if self.check_keys(schema['guest-driven'], 'guest-driven', ('host-requests', 'events')):
            self.check_named_list(schema['guest-driven']['host-requests'], 'guest-driven',
                                  'host request', HOST_REQUEST_NAME_RE, HOST_REQUEST_FIELDS,
                                  optional=G2H_OPTIONAL_FIELDS)
            self.check_named_list(schema['guest-driven']['events'], 'guest-driven',
                                  'event', EVENT_NAME_RE, EVENT_FIELDS, optional=G2H_OPTIONAL_FIELDS)
        if not self.problems:
            self.check_meaning()
        if self.problems:
            raise SchemaError(self.problems)
        return self.types


# ---------------------------------------------------------------------------- C output

def g2h_messages(schema):
    """Every guest-driven message with whether it is an event: requests first, in schema order."""
    section = schema['guest-driven']
    return [(m, False) for m in section['host-requests']] + [(m, True) for m in section['events']]

def c_name(cmd):
    """guest-get-osinfo -> guest_get_osinfo: the C spelling of a command name."""
    return cmd['name'].replace('-', '_')


def c_type(ref):
    return 'qga_type_array_' + ref[0] if isinstance(ref, list) else 'qga_type_' + ref


def arg_type_order(commands, types):
    """Every type reference the commands' arguments need, each once, in first-use order."""
    order, seen = [], set()

    def visit(ref):
        if ref_name(ref) not in seen:
            seen.add(ref_name(ref))
            order.append(ref)
            t = {} if isinstance(ref, list) or ref in BUILTINS else types[ref]
            for r in ([ref[0]] if isinstance(ref, list) else []) + [
                    item['type'] for item in t.get('members', []) + t.get('alternatives', [])]:
                visit(r)

    for cmd in commands:
        for arg in cmd['args']:
            visit(arg['type'])
    return order


def c_member_array(ident, members):
    lines = ['static const QgaMemberSpec %s[] = {' % ident]
    lines += ['    { %s, &%s, %s },' % (json.dumps(m['name']), c_type(m['type']),
                                        'true' if m['optional'] else 'false') for m in members]
    return lines + ['};']


def c_type_definition(ref, types):
    """The static data of one type: its helper arrays, then its QgaTypeSpec."""
    lines, t = [], ({} if isinstance(ref, list) or ref in BUILTINS else types[ref])
    if isinstance(ref, list):
        fields = ['.kind = QGA_TYPE_ARRAY', '.element = &%s' % c_type(ref[0])]
    elif ref in BUILTINS:
        kind, _, int_range, _ = BUILTINS[ref]
        fields = ['.kind = %s' % kind]
        if int_range:
            fields += ['.min = %s' % int_range[0], '.umax = %s' % int_range[1],
                       '.is_unsigned = %s' % ('true' if int_range[2] else 'false')]
    elif t['kind'] == 'enum':
        values = ''.join('%s, ' % json.dumps(v['name']) for v in t['values'])
        lines.append('static const char *const qga_values_%s[] = { %sNULL };' % (ref, values))
        fields = ['.kind = QGA_TYPE_ENUM', '.enum_values = qga_values_%s' % ref]
    elif t['kind'] == 'struct':
        if t['members']:
            lines += c_member_array('qga_members_' + ref, t['members'])
        fields = ['.kind = QGA_TYPE_STRUCT', '.members = %s' % ('qga_members_' + ref if t['members'] else 'NULL'),
                  '.n_members = %d' % len(t['members'])]
    else:  # alternate; unions never reach the arguments (the validator refuses them)
        alts = ''.join('&%s, ' % c_type(a['type']) for a in t['alternatives'])
        lines.append('static const QgaTypeSpec *const qga_alternatives_%s[] = { %sNULL };' % (ref, alts))
        fields = ['.kind = QGA_TYPE_ALTERNATE', '.alternatives = qga_alternatives_%s' % ref]
    fields.insert(1, '.name = %s' % json.dumps(ref_name(ref)))
    return lines + ['static const QgaTypeSpec %s = {' % c_type(ref)] + ['    %s,' % f for f in fields] + ['};']


def c_banner(platform):
    return '/* Generated by schema/gen-schema.py from schema/qga-compat.json for %s: do not edit. */' % platform


def render_c(commands, types, platform, header):
    lines = [c_banner(platform),
             '/* The commands qga-compat implements on %s, with the specs of their arguments. */' % platform,
             '#include <stddef.h>', '#include <stdint.h>', '', '#include "core/schema.h"', '#include "%s"' % header, '']
    order = arg_type_order(commands, types)
    if order:
        lines.append('/* Declared first, so that definitions may refer to each other in any order. */')
        lines += ['static const QgaTypeSpec %s;' % c_type(ref) for ref in order] + ['']
    for ref in order:
        lines += c_type_definition(ref, types) + ['']
    for cmd in commands:
        if cmd['args']:
            lines += c_member_array('qga_args_' + c_name(cmd), cmd['args']) + ['']
    if not commands:
        return '\n'.join(lines + ['/* No command is implemented on %s yet. */' % platform,
                                  'const QgaCommandTable qga_command_table = { .commands = NULL, .n_commands = 0 };']) + '\n'
    lines.append('static const QgaCommandSpec qga_commands[] = {')
    for cmd in commands:
        flags = ' | '.join(flag for key, value, flag in COMMAND_FLAGS if cmd[key] is value) or '0'
        lines.append('    { .name = %s, .args = %s, .n_args = %d, .flags = %s, .handler = qga_cmd_%s },' % (
            json.dumps(cmd['name']), 'qga_args_' + c_name(cmd) if cmd['args'] else 'NULL', len(cmd['args']),
            flags, c_name(cmd)))
    lines += ['};', '', 'const QgaCommandTable qga_command_table = {', '    .commands = qga_commands,',
              '    .n_commands = %d,' % len(commands), '};']
    return '\n'.join(lines) + '\n'


def c_handler(cmd):
    return 'int qga_cmd_%s(QgaAgent *agent, const QgaJson *args, QgaJson **ret_result, QgaError **error)' % c_name(cmd)


def render_h(commands, platform):
    lines = [c_banner(platform),
             '/* The handlers the %s command table refers to: a commands/ file must define each' % platform,
             ' * one, or the agent does not link. */', '#pragma once', '', '#include "core/schema.h"', '']
    return '\n'.join(lines + [c_handler(cmd) + ';' for cmd in commands]) + '\n'


def render_stubs(commands, platform, header):
    """Handlers for tests that link a table without the agent: each records its command's name."""
    lines = [c_banner(platform), '/* Test stubs only: the agent links the real handlers. */',
             '#include "%s"' % header, '', 'const char *qga_stub_called;']
    for cmd in commands:
        lines += ['', c_handler(cmd), '{', '    qga_stub_called = %s;' % json.dumps(cmd['name']),
                  '    *ret_result = NULL;', '    return 0;', '}']
    return '\n'.join(lines) + '\n'


def c_bool(value, true='true', false='false'):
    return true if value else false


def render_g2h_c(messages, platform):
    """The agent's table of the guest-driven messages it may send (declared in g2h/messages.h)."""
    lines = [c_banner(platform),
             '/* The guest-driven messages the agent may send on %s, in schema order. */' % platform,
             '#include <stddef.h>', '', '#include "messages.h"', '',
             'const QgaG2hMessageSpec qga_g2h_messages[] = {']
    for msg, is_event in messages:
        setting = 'QGA_G2H_SETTING_' + msg.get('setting', 'none').upper().replace('-', '_')
        lines.append('    { .name = %s, .is_event = %s, .from_os = %s, .setting = %s },' % (
            json.dumps(msg['name']), c_bool(is_event), c_bool(msg.get('origin') == 'os'), setting))
    os_events = ''.join('%s, ' % json.dumps(msg['name']) for msg, _ in messages if msg.get('origin') == 'os')
    return '\n'.join(lines + ['    { .name = NULL },', '};', '',
                              'const char *const qga_g2h_os_events[] = { %sNULL };' % os_events]) + '\n'


def render_probe_h():
    lines = [c_banner('qga-probe'),
             '/* What qga-probe knows from the schema besides the guest-driven messages (G2H_HOST_MESSAGES,',
             ' * declared in g2h-host.h). */', '#pragma once', '',
             '/* NULL-terminated: the commands whose success-response is false. They answer only when',
             ' * they fail (qemu-ga\'s guest-shutdown and guest-suspend-*). */',
             'extern const char *const probe_silent_commands[];']
    return '\n'.join(lines) + '\n'


def render_probe_c(schema, header):
    """qga-probe's tables: every guest-driven message with its members (whatever the platforms
    list: the host takes them from any agent), and the commands that answer only on failure."""
    messages = g2h_messages(schema)
    most = max([len(msg['args' if not is_event else 'data']) for msg, is_event in messages] + [0])
    lines = [c_banner('qga-probe'),
             '/* The messages qga-probe listen accepts from a guest, and the commands that answer only on failure. */',
             '#include "g2h-host.h"', '#include "%s"' % header, '',
             '/* Every member list ends at a NULL name, so one slot must stay free. */',
             '_Static_assert(%d < G2H_HOST_MAX_MEMBERS, "a guest-driven message has more members than '
             'G2hHostMessage holds");' % most, '',
             'const G2hHostMessage G2H_HOST_MESSAGES[] = {']
    for msg, is_event in messages:
        members = ', '.join('{ %s, %s, %s }' % (json.dumps(m['name']), json.dumps(PROBE_MEMBER_TYPES[ref_name(m['type'])]),
                                                c_bool(m['optional'], 'TRUE', 'FALSE'))
                            for m in msg['args' if not is_event else 'data'])
        lines.append('    { %s, %s, { %s } },' % (json.dumps(msg['name']), c_bool(is_event, 'TRUE', 'FALSE'),
                                                 members or '{ NULL, NULL, FALSE }'))
    silent = ''.join('%s, ' % json.dumps(c['name']) for c in schema['commands'] if not c['success-response'])
    lines += ['    { NULL, FALSE, { { NULL, NULL, FALSE } } },', '};', '',
              'const char *const probe_silent_commands[] = { %sNULL };' % silent]
    return '\n'.join(lines) + '\n'


# ---------------------------------------------------------------------------- Markdown output

def md_escape(text):
    return text.replace('|', '\\|').replace('\n', ' ')


def md_type(ref):
    if ref is None:
        return '`{}` (nothing declared)'
    if isinstance(ref, list):
        return 'array of ' + md_type(ref[0])
    return '`%s`' % ref if ref in BUILTINS else '[`%s`](#%s)' % (ref, ref.lower())


def md_members(members, what):
    """A table of arguments (what='Argument': Required column) or members (Optional column)."""
    if not members:
        return ['No %ss.' % what.lower()]
    column = 'Required' if what == 'Argument' else 'Optional'
    lines = ['| %s | Type | %s | Description |' % (what, column), '|---|---|---|---|']
    for m in members:
        flag = 'yes' if m['optional'] == (column == 'Optional') else 'no'
        lines.append('| `%s` | %s | %s | %s |' % (m['name'], md_type(m['type']), flag, md_escape(m['doc'])))
    return lines


def md_upstream(upstream):
    if upstream is None:
        return 'not a qemu-ga command (a qga-compat extension)'
    text = '; '.join('%s since %s' % (o.capitalize(), upstream[o]) if upstream[o] else
                     '%s: no' % o.capitalize() for o in UPSTREAM_OSES)
    return text + ('. ' + upstream['note'] if 'note' in upstream else '')


def md_command(cmd):
    ours = ', '.join(p for p in PLATFORMS if p in cmd['platforms']) or 'no platform yet'
    return ['### %s' % cmd['name'], '', cmd['doc'], ''] + md_members(cmd['args'], 'Argument') + [
        '', 'Returns: %s' % md_type(cmd['returns']), '',
        '- success-response: %s' % ('true' if cmd['success-response'] else 'false (nothing is sent on success)'),
        '- allowed while frozen: %s' % ('yes' if cmd['allowed-while-frozen'] else 'no'),
        '- privileged: %s' % ('yes' if cmd['privileged'] else 'no')] + (
        ['- delimited reply: a successful reply is preceded by a 0xFF byte'] if cmd['delimited-reply'] else []) + [
        '- qga-compat implements it on: %s' % ours, '- qemu-ga: %s' % md_upstream(cmd['qemu-ga']), '']


def md_type_section(t):
    lines = ['### %s' % t['name'], '', '*%s*: %s' % (t['kind'], t['doc']), '']
    if t['kind'] == 'struct':
        lines += md_members(t['members'], 'Member')
    elif t['kind'] == 'enum':
        lines += ['| Value | Description |', '|---|---|']
        for v in t['values']:
            absent = ', '.join(o.capitalize() for o in v.get('qemu-ga-absent-on', []))
            lines.append('| `%s` | %s%s |' % (v['name'], md_escape(v['doc']),
                                              ' (qemu-ga lacks it on %s)' % absent if absent else ''))
    elif t['kind'] == 'alternate':
        lines += ['The first alternative whose JSON type matches the value is taken.', '',
                  '| Alternative | Type | Description |', '|---|---|---|']
        lines += ['| `%s` | %s | %s |' % (a['name'], md_type(a['type']), md_escape(a['doc']))
                  for a in t['alternatives']]
    else:
        lines += md_members(t['base'], 'Member') + ['', 'The members of the variant that `%s` selects '
                                                    'are added at the same level:' % t['discriminator'], '']
        lines += ['- `%s`: %s' % (v['value'], md_type(v['type'])) for v in t['variants']]
    return lines + ['']


def md_guest_driven(section):
    lines = ['## Guest-driven channel (`org.qgacompat.g2h.0`)', '',
             'Messages the guest sends on its own port: requests the host answers, and events it',
             'does not. Same framing and JSON shapes as the host-driven channel.', '']
    for title, key, what in (('Requests to the host', 'host-requests', 'Argument'), ('Events', 'events', 'Member')):
        lines += ['### ' + title, ''] + ([] if section[key] else ['None yet.', ''])
        for msg in section[key]:
            lines += ['#### %s' % msg['name'], '', msg['doc'], '']
            lines += md_members(msg.get('args', msg.get('data')), what) + ['']
            if 'returns' in msg:
                lines += ['Returns: %s' % md_type(msg['returns']), '']
            lines += ['- sent by: %s' % (', '.join(msg['platforms']) or 'no platform yet')]
            if msg.get('origin') == 'os':
                lines += ['- when the OS reports it (where the platform can watch for it)']
            if 'setting' in msg:
                lines += ['- only with the `[g2h]` setting `%s` on' % msg['setting']]
            lines += ['']
    return lines


def render_md(schema):
    commands = schema['commands']
    lines = ['<!-- Generated by schema/gen-schema.py from schema/qga-compat.json: do not edit.',
             '     Regenerate with: ninja -C <builddir> update-docs -->', '# qga-compat commands', '',
             'Every command of the host-driven channel (`org.qemu.guest_agent.0`), the types it uses,',
             'and the messages of the guest-driven channel. The schema format, and how tests read it,',
             'is described in [schema/README.md](../schema/README.md).', '',
             'Flags: *no reply* = `success-response` false, nothing is sent on success; *frozen-safe* =',
             'stays enabled while filesystems are frozen; *privileged* = changes the guest or exposes',
             'its files or processes; *0xFF* = a successful reply is preceded by a 0xFF byte.', '',
             '## Summary', '',
             '| Command | qga-compat posix | qga-compat win32 | qemu-ga Linux | qemu-ga Windows | Flags |',
             '|---|---|---|---|---|---|']
    for cmd in commands:
        upstream = cmd['qemu-ga'] or {}
        lines.append('| [`%s`](#%s) | %s | %s | %s | %s | %s |' % (
            cmd['name'], cmd['name'], *('yes' if p in cmd['platforms'] else '—' for p in PLATFORMS),
            upstream.get('linux') or '—', upstream.get('windows') or '—',
            ', '.join(name for name, on in (('no reply', not cmd['success-response']),
                                            ('frozen-safe', cmd['allowed-while-frozen']),
                                            ('privileged', cmd['privileged']), ('0xFF', cmd['delimited-reply'])) if on)))
    lines += ['', '%d commands (%d from qemu-ga); implemented today: %s.' % (
        len(commands), sum(1 for c in commands if c['qemu-ga']),
        ', '.join('%s %d' % (p, sum(1 for c in commands if p in c['platforms'])) for p in PLATFORMS)), '']
    lines += ['## Commands', '']
    for cmd in commands:
        lines += md_command(cmd)
    lines += ['## Types', '']
    for t in schema['types']:
        lines += md_type_section(t)
    lines += ['## Builtin types', '', '| Type | JSON value |', '|---|---|']
    lines += ['| `%s` | %s |' % (name, builtin[3]) for name, builtin in BUILTINS.items()] + ['']
    lines += md_guest_driven(schema['guest-driven'])
    return '\n'.join(lines).rstrip('\n') + '\n'


# ---------------------------------------------------------------------------- main

def read_text(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except OSError:
        return None


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--schema', required=True, help='schema/qga-compat.json')
    parser.add_argument('--platform', choices=PLATFORMS, help='platform for --c-out, --h-out, --list-commands')
    parser.add_argument('--c-out', metavar='FILE', help='write the command table (C)')
    parser.add_argument('--h-out', metavar='FILE', help='write the handler prototypes (qga-commands.h)')
    parser.add_argument('--stubs-out', metavar='FILE', help='write stub handlers (tests only)')
    parser.add_argument('--every-command', action='store_true', help='C outputs hold every command (tests only)')
    parser.add_argument('--g2h-out', metavar='FILE',
                        help="write the agent's guest-driven message table (C, for --platform)")
    parser.add_argument('--probe-out', metavar='FILE', help="write qga-probe's tables (C)")
    parser.add_argument('--probe-h-out', metavar='FILE', help="write qga-probe's table header")
    parser.add_argument('--md-out', metavar='FILE', help='write docs/COMMANDS.md')
    parser.add_argument('--md-check', metavar='FILE', help='fail unless FILE equals the generated docs')
    parser.add_argument('--list-commands', action='store_true', help='print the commands (on --platform)')
    args = parser.parse_args(argv)
    if (args.c_out or args.stubs_out) and not args.h_out:
        parser.error('--c-out and --stubs-out need --h-out: they include that header')
    if args.h_out and not (args.platform or args.every_command):
        parser.error('--c-out, --h-out and --stubs-out need --platform or --every-command')
    if args.g2h_out and not args.platform:
        parser.error('--g2h-out needs --platform')
    if bool(args.probe_out) != bool(args.probe_h_out):
        parser.error('--probe-out and --probe-h-out go together: the C includes that header')
    return args


def main(argv):
    args = parse_args(argv)
    try:
        schema = load_schema(args.schema)
        types = Validator(schema).run()
    except SchemaError as e:
        for problem in e.args[0]:
            print('gen-schema: error: %s: %s' % (args.schema, problem), file=sys.stderr)
        return 1
    selected = [c for c in schema['commands'] if args.platform in c['platforms'] or args.every_command]
    header, label = os.path.basename(args.h_out or ''), 'every platform' if args.every_command else args.platform
    g2h_selected = [(m, e) for m, e in g2h_messages(schema) if args.platform in m['platforms']]
    for path, render in ((args.c_out, lambda: render_c(selected, types, label, header)),
                         (args.g2h_out, lambda: render_g2h_c(g2h_selected, args.platform)),
                         (args.probe_out, lambda: render_probe_c(schema, os.path.basename(args.probe_h_out))),
                         (args.probe_h_out, render_probe_h),
                         (args.h_out, lambda: render_h(selected, label)),
                         (args.stubs_out, lambda: render_stubs(selected, label, header)),
                         (args.md_out, lambda: render_md(schema))):
        if path:
            with open(path, 'w', encoding='utf-8', newline='\n') as f:
                f.write(render())
    if args.md_check and read_text(args.md_check) != render_md(schema):
        print('gen-schema: error: %s is missing or out of date with the schema; regenerate it with '
              '`ninja -C <builddir> update-docs` and commit the result' % args.md_check, file=sys.stderr)
        return 1
    if args.list_commands:
        for cmd in schema['commands']:
            if not args.platform:
                print('%s\t%s' % (cmd['name'], ','.join(cmd['platforms']) or '-'))
            elif args.platform in cmd['platforms']:
                print(cmd['name'])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
