// Section: the resolved config, the sha256 of every file the run read or wrote, and the versions used.
import { stringify } from 'yaml';
import type { ManifestFile } from '../manifest.js';
import type { Section } from './document.js';
import { formatBytes } from './format.js';
import type { ReportData } from './load.js';

export function provenanceSections(data: ReportData): Section[] {
  const m = data.manifest;
  const files: string[][] = [];
  const add = (stage: string, direction: string, f: ManifestFile) => files.push([stage, direction, f.role, f.path, formatBytes(f.bytes), f.sha256]);
  if (m.configFile) add('—', 'config', m.configFile);
  for (const s of data.stages) {
    for (const f of s.record.inputs) add(s.label, 'input', f);
    for (const f of s.record.outputs) add(s.label, 'output', f);
  }
  return [
    {
      id: 'config',
      heading: 'Configuration',
      blocks: [
        { kind: 'paragraph', text: m.configFile ? `Resolved from \`${m.configFile.path}\` (every default filled in):` : 'Resolved config (every default filled in):' },
        { kind: 'code', language: 'yaml', text: stringify(m.config) },
      ],
    },
    {
      id: 'files',
      heading: 'Files',
      blocks: files.length > 0
        ? [{ kind: 'table', id: 'files', header: ['Stage', 'direction', 'role', 'path', 'size', 'sha256'], rows: files.map((r) => [...r.slice(0, 3), `\`${r[3]}\``, r[4]!, `\`${r[5]}\``]), align: ['l', 'l', 'l', 'l', 'r', 'l'] }]
        : [{ kind: 'paragraph', text: 'The manifest lists no files.' }],
    },
    {
      id: 'versions',
      heading: 'Versions',
      blocks: [{ kind: 'list', items: [`persian-lora ${m.packageVersion}`, ...Object.entries(m.versions).map(([k, v]) => `${k}: ${v}`)] }],
    },
  ];
}
