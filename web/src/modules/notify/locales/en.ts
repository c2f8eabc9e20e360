export default {
  bell: {
    label: 'Messages',
    unread: '{count} unread messages',
  },
  inbox: {
    title: 'My messages',
    state: 'State',
    read: 'Read',
    unread: 'Unread',
    titleColumn: 'Title',
    body: 'Content',
    source: 'From',
    createdAt: 'Time',
    unreadOnly: 'Unread only',
    open: 'Open',
    markRead: 'Mark read',
    markAllRead: 'Mark all read',
  },
  sources: {
    records: 'Health records',
    alerts: 'Duplicate alerts',
    notify: 'System',
  },
}
