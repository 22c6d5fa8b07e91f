/**
 * Registry of benchmark sections, in run order. To add a section `foo`:
 * write `foo.ts` (measurement, ends with `runSectionMain(...)`), `foo.def.ts` (a
 * {@link SectionDef} with its rows), optionally `sec_foo` in `python/py_bench.py`, and list
 * the definition here.
 */
import { type SectionDef } from '../lib/section.js';
import { bulkSection } from './bulk.def.js';
import { channelsSection } from './channels.def.js';
import { rttSection } from './rtt.def.js';
import { serializerSection } from './serializer.def.js';
import { smallSection } from './small.def.js';
import { startupSection } from './startup.def.js';
import { sshSection } from './ssh.def.js';
import { socketSection } from './socket.def.js';
import { pythonSection } from './python.def.js';
import { modulesSection } from './modules.def.js';
import { rsyncSection } from './rsync.def.js';

/** All sections, in the order `pnpm bench` runs them (the reference baseline's order). */
export const SECTIONS: readonly SectionDef[] = [startupSection, rttSection, smallSection, bulkSection, channelsSection, serializerSection, sshSection, socketSection, pythonSection, modulesSection, rsyncSection];

/** Look up a section by name. */
export function findSection(name: string): SectionDef | undefined {
  return SECTIONS.find((s) => s.name === name);
}
