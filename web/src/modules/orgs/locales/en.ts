export default {
  institution: {
    code: 'Code', name: 'Name', shortName: 'Short name', kind: 'Kind', level: 'Grade', district: 'District',
    address: 'Address', longitude: 'Longitude', latitude: 'Latitude', beds: 'Beds', creditCode: 'Unified social credit code', phone: 'Phone',
    parent: 'Parent institution', active: 'Status', keyword: 'Keyword', keywordPlaceholder: 'Name, short name or code',
    create: 'New institution', edit: 'Edit institution', detail: 'Institution', basic: 'Basic information', location: 'Location and contact',
    deactivate: 'Deactivate', reactivate: 'Reactivate', confirmDeactivate: '"{name}" can then no longer be chosen as an institution. Deactivate it?',
    allDistricts: 'All districts', districts: 'Districts', listTab: 'List', mapTab: 'Map',
    creditCodeHint: '18 characters (GB 32100-2015): registration authority, kind, division code, identifier and check character',
    coordinateHint: 'Longitude and latitude within Shanghai (WGS-84), for the map',
    codeFixedHint: 'Other data refers to institutions by code; it is rarely changed',
  },
  kind: {
    tertiary_hospital: 'Tertiary hospital', secondary_hospital: 'Secondary hospital', primary_hospital: 'Primary hospital',
    specialist_hospital: 'Specialist hospital', community_health_centre: 'Community health centre', cdc: 'Centre for disease control',
    maternal_child_health: 'Maternal and child health institute', vaccination_clinic: 'Vaccination clinic', laboratory: 'Medical laboratory',
    eye_oral_prevention: 'Eye / oral disease prevention institute', other: 'Other',
  },
  level: {
    '3A': 'Grade 3A', '3B': 'Grade 3B', '3C': 'Grade 3C', '3': 'Grade 3', '2A': 'Grade 2A', '2B': 'Grade 2B', '2C': 'Grade 2C',
    '2': 'Grade 2', '1': 'Grade 1', ungraded: 'Ungraded',
  },
  department: {
    title: 'Departments', code: 'Code', name: 'Name', category: 'Category', categoryCode: 'Category code',
    categoryHint: 'Top-level code of the national list of clinical subjects, e.g. 03 (internal medicine); optional', active: 'Status',
    create: 'New department', edit: 'Edit department', confirmDelete: 'Delete department "{name}"?', count: '{n} departments',
  },
  import: {
    title: 'Import institutions', button: 'Import', template: 'Download template', pick: 'Choose file',
    hint: 'CSV (UTF-8 or GBK) or Excel (.xlsx, first sheet); rows are keyed by code (new or updated); one bad row rejects the whole file.',
    start: 'Import', result: 'Imported: {created} new, {updated} updated, {unchanged} unchanged, {total} rows',
    rejected: 'Nothing was imported. Fix these problems and upload again', line: 'Line', column: 'Column', message: 'Problem', noFile: 'Choose a file first',
    fileName: 'File', wholeLine: 'Whole line',
  },
  map: {
    title: 'Institutions by location', noCoordinates: '{n} institutions have no coordinates and are not shown', longitude: 'Longitude', latitude: 'Latitude',
    loadedOf: '{shown} of {total} shown', truncated: 'Only the first {n} institutions are shown; filter by district or kind',
  },
}
