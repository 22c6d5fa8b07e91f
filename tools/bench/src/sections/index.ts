/**
 * Registry of benchmark sections, in run order. To add a section `foo`:
 * write `foo.ts` (measurement, ends with `runSectionMain(...)`), `foo.def.ts` (a
 * {@link SectionDef} with its rows), optionally `sec_foo` in `python/py_bench.py`, and list
 * the definition here.
 */
import { type SectionDef } from '../lib/section.js';
import { serializerSection } from './serializer.def.js';

/** All sections, in the order `pnpm bench` runs them. */
export const SECTIONS: readonly SectionDef[] = [serializerSection];

/** Look up a section by name. */
export function findSection(name: string): SectionDef | undefined {
  return SECTIONS.find((s) => s.name === name);
}
