export default {
  bell: {
    label: '消息',
    unread: '{count} 条未读消息',
  },
  inbox: {
    title: '我的消息',
    state: '状态',
    read: '已读',
    unread: '未读',
    titleColumn: '标题',
    body: '内容',
    source: '来源',
    createdAt: '时间',
    unreadOnly: '只看未读',
    open: '查看',
    markRead: '标为已读',
    markAllRead: '全部标为已读',
  },
  sources: {
    records: '健康档案',
    alerts: '重复提醒',
    notify: '系统消息',
  },
}
