export default {
  person: {
    masterId: 'Master ID', name: 'Name', sex: 'Sex', birthDate: 'Birth date', phone: 'Phone', address: 'Address', district: 'District',
    districtHint: 'Division code (GB/T 2260): pick a Shanghai district or type another 6-digit code', ethnicity: 'Ethnicity', ethnicityCode: 'Ethnicity code', familyDoctor: 'Family doctor',
    status: 'Status', identifiers: 'Identifiers', createdAt: 'Registered', updatedAt: 'Updated', detail: 'Resident', demographics: 'Demographics',
    register: 'Register resident', edit: 'Edit', statuses: { active: 'Active', merged: 'Merged' },
    mergedInto: 'This record was merged into another resident; work on that record', openSurvivor: 'Open the merged-into resident',
    scopeHint: 'If the link is right, the resident may be outside your data scope (e.g. another district); ask your supervisor if you need it.',
    registered: 'Registered, master ID {masterId}', existing: 'An identifier was already registered: the existing resident is shown (no duplicate created) and the new identifiers are linked',
    reviewCandidates: '{n} possible duplicates were found and added to the review list',
    birthFromId: 'With a citizen ID number, birth date and sex may be left empty: they are read from the number',
  },
  sex: { '0': 'Not known', '1': 'Male', '2': 'Female', '9': 'Not stated' },
  identifier: {
    type: 'Type', value: 'Number', issuer: 'Issuing country', issuerHint: '3-letter code, e.g. CHN, USA', institution: 'Issuing institution',
    masked: 'Masked', maskedHint: 'Partly hidden; seeing full numbers needs the "see full identifier numbers" permission', active: 'Status', linked: 'Active',
    unlinked: 'Unlinked', createdAt: 'Linked at', link: 'Link identifier', unlink: 'Unlink', unlinkReason: 'Reason for unlinking',
    unlinkPrompt: 'The identifier will no longer point to this resident (history keeps it). Reason:', add: 'Add identifier', remove: 'Remove',
    types: {
      resident_id_card: 'Resident ID card', hmt_residence_permit: 'HK/Macao/Taiwan residence permit', passport: 'Passport', hk_macau_permit: 'HK/Macao travel permit',
      taiwan_permit: 'Taiwan travel permit', foreigner_permanent_residence: 'Foreigner permanent residence ID', social_security_card: 'Social security card',
      medical_insurance_card: 'Medical insurance card', shanghai_self_pay_card: 'Shanghai self-pay card', hospital_card: 'Hospital card',
    },
  },
  search: {
    byIdentifier: 'By identifier', byName: 'By name and birth date', hint: 'Numbers are sent in the request body, never in the address bar or logs',
    idValuePlaceholder: 'ID, insurance or hospital card number', results: 'Results', noResults: 'No resident matches', start: 'Enter search criteria',
  },
  history: {
    title: 'History', mergedRecord: 'Merged resident', survivorRecord: 'Kept resident', open: 'Open', empty: 'No events', actor: 'By', reason: 'Reason', undone: 'Undone',
    kinds: { register: 'Registered', merge: 'Merged', unmerge: 'Unmerged', identifier_link: 'Identifier linked', identifier_unlink: 'Identifier unlinked' },
    mergeInto: '{other} was merged into this resident', mergedAway: 'This resident was merged into {other}', unmerge: 'Undo merge', unmergeReason: 'Reason for undoing',
    unmergePrompt: 'The merged resident\'s identifiers go back to how they were before. Reason:',
  },
  candidate: {
    score: 'Similarity', band: 'Band', bands: { match: 'Likely the same', possible_match: 'Possible duplicate' }, status: 'Status',
    statuses: { open: 'To review', merged: 'Merged', dismissed: 'Not the same' }, agreeing: 'Agreeing fields',
    rules: { name: 'Name', birthDate: 'Birth date', sex: 'Sex', phone: 'Phone' }, personA: 'Resident A', personB: 'Resident B',
    merge: 'Merge', dismiss: 'Not the same person', dismissPrompt: 'Confirm these are different people? Optional note:', dismissNote: 'Note',
    reviewedAt: 'Reviewed at', reviewNote: 'Review note', createdAt: 'Found at', empty: 'No possible duplicates', field: 'Field',
  },
  merge: {
    title: 'Merge residents', survivor: 'Record to keep', survivorHint: 'The other record\'s identifiers move to the kept record; the merged record stays, marked merged, and can be restored',
    reason: 'Reason', reasonPlaceholder: 'e.g. same person after checking the ID documents', keep: 'Keep this record',
  },
  familyDoctor: {
    title: 'Set family doctor', none: 'None', clear: 'Remove', placeholder: 'Type a name to find staff',
    hint: "The family doctor gets an inbox message when the resident visits another institution.",
  },
  common: { reasonRequired: 'Give a reason' },
}
