#!/usr/bin/env node
/**
 * Entry point of the `kairos` command. It binds a master's HTTP port first (see early-http.ts) and
 * only then loads the program, so a restarting replica accepts connections at once.
 */
import { preBindFromArgv } from './early-http.js';

preBindFromArgv(process.argv, process.env);
await import('./program.js');
