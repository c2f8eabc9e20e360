export default {
  system: {
    code: 'Code', nameZh: 'Chinese name', nameEn: 'English name', kind: 'Kind', standard: 'Standard', description: 'Description',
    activeVersion: 'Current version', conceptCount: 'Codes', browse: 'Browse', versions: 'Versions', importVersion: 'Import version',
    importSystem: 'Import code system', kinds: { classification: 'Classification (e.g. ICD)', value_set: 'Value set (national standard)', local: 'Local dictionary' },
  },
  version: {
    title: 'Versions of "{name}"', version: 'Version', source: 'Source', loadedAt: 'Loaded at', status: 'Status', conceptCount: 'Codes', note: 'Note',
    statuses: { active: 'Current', retired: 'Retired' },
  },
  browse: {
    title: 'Browse codes', tree: 'Hierarchy', searchLabel: 'Find a code', searchPlaceholder: 'Code, Chinese name or pinyin initials (e.g. tnb)',
    version: 'Version', leafOnly: 'Leaf codes only', includeInactive: 'Include retired codes', results: 'Results', pick: 'Pick a code in the hierarchy or the results to see it',
    treeEmpty: 'This version has no codes',
  },
  concept: {
    detail: 'Code', code: 'Code', displayZh: 'Chinese name', displayEn: 'English name', parent: 'Parent', version: 'Version', kind: 'Level',
    depth: 'Depth', isLeaf: 'Leaf', isActive: 'Status', pinyin: 'Pinyin initials', ancestors: 'Classified under', attributes: 'Attributes',
    active: 'Active', inactive: 'Retired',
    kinds: { chapter: 'Chapter', block: 'Block', category: 'Category', subcategory: 'Subcategory', value: 'Value' },
  },
  import: {
    title: 'Import a code-system version', system: 'System code', systemHint: 'An existing code adds a version to that system; a new code creates a code system',
    systemRule: 'Starts with a lower-case letter or digit; lower-case letters, digits and . _ - (up to 64)', version: 'Version', versionHint: 'e.g. 2.0',
    nameZh: 'Chinese name', nameZhHint: 'Required for a new code system', nameEn: 'English name', kind: 'Kind', activate: 'Make it the current version', file: 'File',
    pick: 'Choose file', hint: 'CSV (UTF-8 or GBK) or Excel (.xlsx, first sheet): columns code and name required, parent and name_en optional; one bad row rejects the whole file.',
    start: 'Import', result: 'Imported {system} version {version}: {n} codes', resultNew: ' (new code system)', noFile: 'Choose a file first',
    rejected: 'Nothing was imported. Fix these problems and upload again', line: 'Line', column: 'Column', message: 'Problem', wholeLine: 'Whole line',
  },
}
