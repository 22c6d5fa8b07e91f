/*
 * Interop with Python execnet 2.x (tools/runtimes/install.sh puts it in .rt/execnet2): the
 * suite of helpers/python-interop.ts, plus the main_thread_only exec model execnet 1.9 lacks.
 * The master locates Python execnet once per process, hence a file of its own.
 */
import { pythonInteropSuite } from './helpers/python-interop.js';
import { useExecnet2 } from './helpers/runtimes.js';

pythonInteropSuite('execnet 2.x', { execnet2: useExecnet2() });
