export default {
  system: {
    code: '系统编码', nameZh: '中文名称', nameEn: '英文名称', kind: '类型', standard: '标准', description: '说明',
    activeVersion: '当前版本', conceptCount: '代码数', browse: '浏览', versions: '版本', importVersion: '导入新版本',
    importSystem: '导入代码系统', kinds: { classification: '分类（如 ICD）', value_set: '值域（国家/行业标准）', local: '本地字典' },
  },
  version: {
    title: '“{name}”的版本', version: '版本号', source: '来源', loadedAt: '加载时间', status: '状态', conceptCount: '代码数', note: '备注',
    statuses: { active: '当前版本', retired: '已停用' },
  },
  browse: {
    title: '浏览代码', tree: '层级', searchLabel: '查找代码', searchPlaceholder: '编码、中文名称或拼音首字母（如 tnb）',
    version: '版本', leafOnly: '只看末级代码', includeInactive: '含已停用代码', results: '查找结果', pick: '在左侧层级或查找结果中选择一个代码查看详情',
    treeEmpty: '该版本没有代码',
  },
  concept: {
    detail: '代码详情', code: '编码', displayZh: '中文名称', displayEn: '英文名称', parent: '上级代码', version: '版本', kind: '层级类型',
    depth: '层级深度', isLeaf: '末级代码', isActive: '状态', pinyin: '拼音首字母', ancestors: '所属分类', attributes: '其他属性',
    active: '有效', inactive: '已停用',
    kinds: { chapter: '章', block: '节', category: '类目', subcategory: '亚目', value: '代码值' },
  },
  import: {
    title: '导入代码系统版本', system: '系统编码', systemHint: '已有系统编码时导入为该系统的新版本；新编码将新建代码系统',
    systemRule: '小写字母或数字开头，只含小写字母、数字及 . _ -（最长 64 位）', version: '版本号', versionHint: '如 2.0、国临2.0',
    nameZh: '中文名称', nameZhHint: '新建代码系统时必填', nameEn: '英文名称', kind: '类型', activate: '设为当前版本', file: '文件',
    pick: '选择文件', hint: 'CSV（UTF-8 或 GBK）或 Excel（.xlsx，第一个工作表）：必需列“编码”“名称”，可选“上级编码”“英文名称”；任一行有错则整个文件不导入。',
    start: '开始导入', result: '已导入 {system} 版本 {version}，共 {n} 个代码', resultNew: '（新建代码系统）', noFile: '请先选择文件',
    rejected: '文件未导入，请按下列提示修改后重新上传', line: '行号', column: '列', message: '问题', wholeLine: '整行',
  },
}
