#!/usr/bin/env python3
"""placeholder: being written"""
import argparse
p = argparse.ArgumentParser()
p.add_argument('--schema'); p.add_argument('--platform'); p.add_argument('--c-out'); p.add_argument('--md-out')
a = p.parse_args()
open(a.c_out, 'w').write('#include "schema.h"\nconst QgaCommandTable qga_command_table = {0};\n')
