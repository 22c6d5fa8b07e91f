/*
 * Interop with the Python execnet this master finds (Debian's python3-execnet 1.9 in CI):
 * the suite is in helpers/python-interop.ts, run with execnet 2.x by
 * python-interop-execnet2.test.ts.
 */
import { pythonInteropSuite } from './helpers/python-interop.js';

pythonInteropSuite('the installed execnet');
