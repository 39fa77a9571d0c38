"""The pieces of the `scimkit` command line; `scimkit.cli.main` is the entry point.

- `console`: the streams, environment, prompt and clock a command uses, and exit codes;
- `output`: cells, aligned tables, JSON, JSON Lines and CSV (pure);
- `progress`: the progress line on stderr (pure rendering, injectable clock);
- `connection`: command-line options and environment -> `SCIMClient`;
- `parser`: the argparse definition;
- `common`: what the command modules share (output format, `--data` JSON, `say`/`show`);
- `commands`: users, groups and search;
- `inspection`: discover and raw;
- `service`: serve and demo;
- `transfer`: export and import, with the pure row -> plan logic they share;
- `sync`: sync, the files read with `transfer`'s readers and planned by `scimkit.sync`;
- `dispatch`: which function runs each command, imported only once the command is parsed;
- `verbose`: `-v`'s log on stderr (the only importer of `logging`).

`scimkit --version` and `--help` load `console` and `parser` alone (tests/test_cli_startup.py).
"""
