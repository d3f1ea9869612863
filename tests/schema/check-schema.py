#!/usr/bin/env python3
"""Schema tests (TAP): 'contents' checks schema/qga-compat.json against what qemu-ga has;
'rejects' runs the generator on the broken schemas in tests/schema/bad/ and checks it
refuses each with the right message."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

# The 44 commands of qemu-ga (qga/qapi-schema.json, Feb 2026), independent of our file.
QEMU_GA_COMMANDS = {
    'guest-sync-delimited', 'guest-sync', 'guest-ping', 'guest-get-time', 'guest-set-time',
    'guest-info', 'guest-shutdown', 'guest-file-open', 'guest-file-close', 'guest-file-read',
    'guest-file-write', 'guest-file-seek', 'guest-file-flush', 'guest-fsfreeze-status',
    'guest-fsfreeze-freeze', 'guest-fsfreeze-freeze-list', 'guest-fsfreeze-thaw', 'guest-fstrim',
    'guest-suspend-disk', 'guest-suspend-ram', 'guest-suspend-hybrid',
    'guest-network-get-interfaces', 'guest-get-vcpus', 'guest-set-vcpus', 'guest-get-disks',
    'guest-get-fsinfo', 'guest-set-user-password', 'guest-get-memory-blocks',
    'guest-set-memory-blocks', 'guest-get-memory-block-info', 'guest-exec', 'guest-exec-status',
    'guest-get-host-name', 'guest-get-users', 'guest-get-timezone', 'guest-get-osinfo',
    'guest-get-devices', 'guest-ssh-get-authorized-keys', 'guest-ssh-add-authorized-keys',
    'guest-ssh-remove-authorized-keys', 'guest-get-diskstats', 'guest-get-cpustats',
    'guest-get-load', 'guest-network-get-route',
}
NO_REPLY = {'guest-shutdown', 'guest-suspend-disk', 'guest-suspend-ram', 'guest-suspend-hybrid'}
FROZEN_SAFE = {'guest-ping', 'guest-info', 'guest-sync', 'guest-sync-delimited',
               'guest-fsfreeze-status', 'guest-fsfreeze-thaw'}
# Privileged: changes guest state, or hands the host guest files, processes or keys.
PRIVILEGED = {'guest-set-time', 'guest-shutdown', 'guest-suspend-disk', 'guest-suspend-ram',
              'guest-suspend-hybrid', 'guest-file-open', 'guest-file-close', 'guest-file-read',
              'guest-file-write', 'guest-file-seek', 'guest-file-flush', 'guest-fsfreeze-freeze',
              'guest-fsfreeze-freeze-list', 'guest-fsfreeze-thaw', 'guest-fstrim', 'guest-set-vcpus',
              'guest-set-memory-blocks', 'guest-exec', 'guest-exec-status', 'guest-set-user-password',
              'guest-ssh-get-authorized-keys', 'guest-ssh-add-authorized-keys',
              'guest-ssh-remove-authorized-keys'}
LINUX_ONLY = {'guest-suspend-hybrid', 'guest-set-vcpus', 'guest-get-memory-blocks',
              'guest-set-memory-blocks', 'guest-get-memory-block-info', 'guest-get-diskstats',
              'guest-get-cpustats'}
WINDOWS_ONLY = {'guest-get-devices'}
# What issue "Agent core" implements on POSIX; later issues only add to it.
POSIX_AT_LEAST = {'guest-sync', 'guest-sync-delimited', 'guest-ping', 'guest-info', 'guest-get-time',
                  'guest-set-time', 'guest-get-host-name', 'guest-get-timezone', 'guest-get-osinfo'}

# Each broken schema in tests/schema/bad/ and a piece of the message it must be refused with.
REJECTS = {
    'not-json.json': 'not valid JSON',
    'duplicate-key.json': "not valid JSON: duplicate key 'doc'",
    'unknown-type.json': "commands: command 'guest-x': member 'a': unknown type 'GuestNope'",
    'unknown-return-type.json': "commands: command 'guest-x': returns: unknown type 'GuestNope'",
    'duplicate-command.json': "commands: command 'guest-ping': duplicate command",
    'duplicate-type.json': "types: type 'GuestA': duplicate type",
    'duplicate-member.json': "commands: command 'guest-x': member 'a': duplicate member",
    'bad-platform.json': 'platform "macos" is not one of posix, win32',
    'bad-member-name.json': 'member name "Bad_Name" does not match ^[a-z][a-z0-9-]*$',
    'bad-flag.json': "commands: command 'guest-x': 'success-response' must be true or false, not \"no\"",
    'missing-key.json': "commands: command 'guest-x': missing key 'privileged'",
    'unknown-key.json': "commands: command 'guest-x': unknown key 'sucess-response'",
    'union-argument.json': "argument 'a': uses union type 'GuestU'; unions are only allowed in results",
    'alternate-clash.json': "'int' and 'number' are both JSON number values, so they cannot be told apart",
    'unused-type.json': "types: type 'GuestLeftOver': is not used by any command or message",
    'bad-event-name.json': 'event name "vm-started" does not match ^[A-Z][A-Z0-9_]*$',
    'bad-origin.json': "guest-driven: event 'VM_STARTED': 'origin' must be one of agent, os",
    'os-event-setting.json': "guest-driven: event 'VM_STARTED': an event of origin 'os' is sent "
                             "when the OS reports it: it takes no 'setting'",
    'delimited-no-reply.json': "'delimited-reply' needs 'success-response': true",
    'bad-version.json': "'qemu-ga': 'linux' must be a version like \"2.10\" or null",
    'bad-discriminator.json': "discriminator 'type' must be a required base member of enum type",
}


class Tap:
    """Minimal TAP producer: one line per check, the plan at the end."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def check(self, ok, description, detail=''):
        self.count += 1
        self.failed += 0 if ok else 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', self.count, description))
        if not ok and detail:
            print('\n'.join('# ' + line for line in detail.splitlines()))

    def finish(self):
        print('1..%d' % self.count)
        return 1 if self.failed else 0


def names_where(commands, predicate):
    return {c['name'] for c in commands if predicate(c)}


def check_contents(tap, args):
    with open(args.schema, encoding='utf-8') as f:
        schema = json.load(f)
    commands = schema['commands']
    upstream = [c for c in commands if c['qemu-ga'] is not None]
    tap.check(len(upstream) == 44, 'the schema has 44 qemu-ga commands (found %d)' % len(upstream))
    tap.check(names_where(upstream, lambda c: True) == QEMU_GA_COMMANDS, "they are qemu-ga's commands",
              'missing: %s\nextra: %s' % (sorted(QEMU_GA_COMMANDS - names_where(upstream, lambda c: True)),
                                          sorted(names_where(upstream, lambda c: True) - QEMU_GA_COMMANDS)))
    tap.check(names_where(commands, lambda c: not c['success-response']) == NO_REPLY,
              'success-response is false exactly for shutdown and the suspend commands')
    tap.check(names_where(commands, lambda c: c['allowed-while-frozen']) == FROZEN_SAFE,
              'exactly the six frozen-safe commands are allowed while frozen')
    tap.check(names_where(commands, lambda c: c['delimited-reply']) == {'guest-sync-delimited'},
              'only guest-sync-delimited has a delimited reply')
    tap.check(names_where(commands, lambda c: c['privileged']) == PRIVILEGED,
              'the privileged commands are the documented set')
    tap.check(names_where(upstream, lambda c: c['qemu-ga']['windows'] is None) == LINUX_ONLY,
              'qemu-ga lacks exactly the Linux-only commands on Windows')
    tap.check(names_where(upstream, lambda c: c['qemu-ga']['linux'] is None) == WINDOWS_ONLY,
              'qemu-ga lacks only guest-get-devices on Linux')
    sync = next(c for c in commands if c['name'] == 'guest-sync')
    tap.check(sync['args'] == [{'name': 'id', 'type': 'int', 'optional': False, 'doc': sync['args'][0]['doc']}]
              and sync['returns'] == 'int', 'guest-sync takes a required int id and returns int')
    tap.check(set(schema['guest-driven']) == {'host-requests', 'events'},
              'the guest-driven section has host-requests and events')
    listed = run(args.generator, '--schema', args.schema, '--list-commands', '--platform', 'posix')
    posix = set(listed.stdout.split())
    tap.check(listed.returncode == 0 and POSIX_AT_LEAST <= posix,
              '--list-commands --platform posix lists the core commands', listed.stdout + listed.stderr)
    tap.check(posix == names_where(commands, lambda c: 'posix' in c['platforms']),
              '--list-commands agrees with the platforms in the schema')
    everything = run(args.generator, '--schema', args.schema, '--list-commands')
    tap.check(everything.returncode == 0 and len(everything.stdout.splitlines()) == len(commands),
              '--list-commands without a platform lists every command')


def run(*argv):
    return subprocess.run([sys.executable] + list(argv), capture_output=True, text=True)


def check_rejects(tap, args):
    fixtures = sorted(f for f in os.listdir(args.fixtures) if f.endswith('.json'))
    tap.check(set(fixtures) == set(REJECTS), 'every fixture has an expected message',
              'fixtures: %s' % fixtures)
    for name in sorted(REJECTS):
        path = os.path.join(args.fixtures, name)
        result = run(args.generator, '--schema', path)
        expected = 'gen-schema: error: %s: ' % path
        ok = (result.returncode == 1 and result.stderr.startswith(expected)
              and REJECTS[name] in result.stderr and result.stdout == '')
        tap.check(ok, '%s is rejected: %s' % (name, REJECTS[name]),
                  'exit %d, stderr:\n%s' % (result.returncode, result.stderr))
    good = run(args.generator, '--schema', args.schema)
    tap.check(good.returncode == 0 and good.stderr == '', 'the real schema is accepted', good.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        stale = os.path.join(tmp, 'COMMANDS.md')
        with open(stale, 'w', encoding='utf-8') as f:
            f.write('# stale\n')
        result = run(args.generator, '--schema', args.schema, '--md-check', stale)
        tap.check(result.returncode == 1 and 'update-docs' in result.stderr,
                  '--md-check refuses stale docs and says how to regenerate them', result.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('what', choices=('contents', 'rejects'))
    parser.add_argument('--generator', required=True)
    parser.add_argument('--schema', required=True)
    parser.add_argument('--fixtures', required=True)
    args = parser.parse_args()
    tap = Tap()
    (check_contents if args.what == 'contents' else check_rejects)(tap, args)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
