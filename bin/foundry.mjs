#!/usr/bin/env node
// The `foundry` command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
