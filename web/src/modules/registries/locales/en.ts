export default {
  menu: { worklist: 'Registry work list', programs: 'Disease registries', transfers: 'Transfers', indicators: 'Registry indicators' },
  program: {
    code: 'Code', name: 'Registry', kind: 'Kind', version: 'Version', kinds: { enrolment: 'Enrolment', single_event: 'Report card' },
    open: 'Registrants', enrol: 'Enrol', report: 'File a report', source: 'Based on',
  },
  enrolment: {
    list: 'Registrants', detail: 'Enrolment', person: 'Resident', masterId: 'Master ID', status: 'Status', open: 'Open', closed: 'Closed',
    enrolledOn: 'Enrolled on', incidentOn: 'Onset / diagnosis date', orgUnit: 'Institution', assignedUser: 'Responsible doctor', version: 'Form version',
    openOnly: 'Open only', values: 'Enrolment data', edit: 'Edit enrolment data', duplicateOf: 'Duplicate report of', duplicates: 'Duplicate reports',
    restricted: 'Restricted', events: 'Follow-ups', history: 'State changes', noEvents: 'No follow-ups yet', noHistory: 'No state changes',
    transfer: 'Transfer out', transferTo: 'To institution', transferReason: 'Reason', transferRequested: 'Transfer requested; waiting for the other institution',
  },
  event: {
    stage: 'Stage', dueOn: 'Due on', eventOn: 'Date', status: 'Status', record: 'Record', edit: 'Edit', skip: 'Skip', view: 'View',
    skipReason: 'Reason for skipping', skipPrompt: 'This scheduled event will not take place. Reason:', recordStage: 'Record {stage}', overdueDays: 'Days overdue',
    statuses: { scheduled: 'Scheduled', completed: 'Completed', skipped: 'Skipped', overdue: 'Overdue' }, add: 'New event',
  },
  workflow: { state: 'State', transitions: 'Actions', note: 'Note', notePrompt: '{name}: note', noteOptional: '{name}: note (optional)', done: '{name}: done' },
  save: {
    warnings: 'Saved. Please note:', scheduled: 'Next {stage} scheduled for {date}', hidden: 'Not applicable by the rules, not saved: {fields}', notified: '{n} people notified',
    duplicate: 'Same case as an earlier report: saved as a duplicate report',
  },
  enrol: {
    title: 'Enrol', findPerson: 'Find the resident', chosen: 'Resident', change: 'Choose another', form: 'Enrolment form', enrolledOn: 'Enrolled on', incidentOn: 'Onset / diagnosis date',
    orgUnit: 'Institution', orgUnitHint: 'Empty: your own institution', submit: 'Enrol', done: 'Enrolled', choose: 'Choose', alreadyEnrolled: 'Already enrolled: open the enrolment',
  },
  worklist: {
    due: 'Range', dues: { overdue: 'Overdue', due: 'Due soon', scheduled: 'All scheduled' }, withinDays: 'days ahead', mine: 'Mine only', program: 'Registry',
    capture: 'Record', open: 'Open enrolment',
  },
  transfers: {
    direction: 'Direction', directions: { incoming: 'Incoming (to accept)', outgoing: 'Outgoing (requested here)' }, status: 'Status',
    statuses: { requested: 'Waiting', accepted: 'Accepted', rejected: 'Rejected' }, from: 'From', to: 'To', reason: 'Reason',
    requestedAt: 'Requested at', decidedAt: 'Decided at', note: 'Decision note', accept: 'Accept', reject: 'Reject', acceptPrompt: 'Your institution will manage the registrant. Note (optional):',
    rejectPrompt: 'Reason for rejecting:', accepted: 'Accepted', rejected: 'Rejected', enrolment: 'Enrolment', person: 'Resident', program: 'Registry',
  },
  indicators: {
    open: 'Indicators', switch: 'Another registry', periodType: 'Period type', periodTypes: { month: 'Month', quarter: 'Quarter', year: 'Year' },
    period: 'Period', groupBy: 'Group by', groupBys: { district: 'District', institution: 'Institution' },
    districtScope: 'Institutions of {name}', back: 'Back to all districts', drillHint: 'Click a district to see its institutions',
    org: { district: 'District', institution: 'Institution' }, district: 'District', numerator: 'Numerator', denominator: 'Denominator', value: 'Value',
    count: 'Count', comparison: '{indicator}: {scope}', trend: '{indicator}: last 12 months', trendOf: ' ({name})',
    export: 'Export Excel', refresh: 'Refresh statistics', refreshing: 'Refresh started; the page updates when it is done', refreshed: 'Statistics updated',
    refreshSlow: 'The refresh is still running; press Refresh later', updatedAt: 'Data as of {time}',
    never: 'No statistics yet', neverHint: 'Indicators are shown from pre-aggregated tables: refresh the statistics first.',
    neverHintNoPerm: 'Indicators are shown from pre-aggregated tables: ask someone allowed to refresh them.',
    none: 'This registry defines no indicators', noPrograms: 'No registry to show',
    periodName: { month: '{month}/{year}', quarter: 'Q{quarter} {year}', year: '{year}' },
    perTenThousand: ' per 10,000', perHundredThousand: ' per 100,000',
  },
  signature: {
    signed: 'Signed (SM2) · {signer} · {time}', invalid: 'Signature invalid', stale: 'Corrected, awaiting a new signature', verify: 'Verify',
    valid: 'Valid: signed with SM2 by {signer} at {time}; unchanged since', locked: 'Signed: not editable',
  },
  other: 'Other',
  otherInstitution: 'Another institution',
}
