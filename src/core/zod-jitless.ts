// zod compiles a fast parser for an object schema (new Function) the first time that schema
// parses. A CLI process parses most of its schemas a handful of times, so the compiling costs more
// than it saves: measured, a full run at time scale 0.01 spent 1.34 CPU-s with it and 1.23 without
// (8 interleaved pairs). zod reads the setting when a schema is constructed, so the CLI's entry
// imports this module before anything that defines one (test/cli.e2e.test.ts checks that no
// parser is compiled).
import { z } from 'zod';

z.config({ jitless: true });
