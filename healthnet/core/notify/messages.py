"""Messages of the notification inbox (Chinese first, English second)."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "notify.message": ("消息", "Message"),
    "notify.message_not_found": ("消息不存在", "Message not found"),
    "notify.recipients_empty": ("至少需要一个收件人", "At least one recipient is needed"),
    "notify.recipient_unknown": ("收件人不存在", "Unknown recipient"),
    "notify.kind_invalid": (
        "消息类型应为小写英文、数字、点或下划线",
        "Kind must be lower-case letters, digits, dots or underscores",
    ),
    "notify.title_missing": ("消息标题不能为空", "The title is required"),
    "notify.link_invalid": ("链接应为站内地址（以 / 开头）", "The link must be a site path"),
    "notify.channel_unknown": ("未知的发送渠道：{channel}", "Unknown channel: {channel}"),
    "notify.todo.unread": ("未读消息", "Unread messages"),
    "notify.channel.inbox": ("站内消息", "Inbox"),
    "notify.channel.sms": ("短信", "SMS"),
}
register(MESSAGES)
