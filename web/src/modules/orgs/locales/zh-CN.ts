export default {
  institution: {
    code: '机构代码', name: '机构名称', shortName: '机构简称', kind: '机构类别', level: '医院等级', district: '所在区',
    address: '地址', longitude: '经度', latitude: '纬度', beds: '床位数', creditCode: '统一社会信用代码', phone: '联系电话',
    parent: '上级机构', active: '状态', keyword: '关键字', keywordPlaceholder: '名称、简称或机构代码',
    create: '新增机构', edit: '编辑机构', detail: '机构详情', basic: '基本信息', location: '位置与联系方式',
    deactivate: '停用', reactivate: '启用', confirmDeactivate: '停用后“{name}”将不能再被选作业务机构，确定停用吗？',
    allDistricts: '全部区', districts: '行政区', listTab: '机构列表', mapTab: '机构分布图',
    creditCodeHint: '18 位，由登记管理部门代码、机构类别代码、行政区划码、主体标识码和校验码组成（GB 32100-2015）',
    coordinateHint: '上海市范围内的经纬度（WGS-84），用于机构分布图',
    codeFixedHint: '机构代码是其他数据引用的键，一般不修改',
  },
  kind: {
    tertiary_hospital: '三级医院', secondary_hospital: '二级医院', primary_hospital: '一级医院', specialist_hospital: '专科医院',
    community_health_centre: '社区卫生服务中心', cdc: '疾病预防控制中心', maternal_child_health: '妇幼保健院（所）',
    vaccination_clinic: '预防接种门诊', laboratory: '医学检验实验室', eye_oral_prevention: '眼病/口腔病防治所', other: '其他',
  },
  level: {
    '3A': '三级甲等', '3B': '三级乙等', '3C': '三级丙等', '3': '三级', '2A': '二级甲等', '2B': '二级乙等', '2C': '二级丙等',
    '2': '二级', '1': '一级', ungraded: '未定级',
  },
  department: {
    title: '科室', code: '科室代码', name: '科室名称', category: '诊疗科目', categoryCode: '诊疗科目代码',
    categoryHint: '《医疗机构诊疗科目名录》一级科目代码，如 03（内科）、07（儿科）；可不填', active: '状态',
    create: '新增科室', edit: '编辑科室', confirmDelete: '确定删除科室“{name}”吗？', count: '共 {n} 个科室',
  },
  import: {
    title: '导入机构', button: '导入', template: '下载模板', pick: '选择文件', hint: '支持 CSV（UTF-8 或 GBK）和 Excel（.xlsx，第一个工作表）；按机构代码新增或更新，任一行有错则整个文件不导入。',
    start: '开始导入', result: '导入完成：新增 {created} 家，更新 {updated} 家，未变化 {unchanged} 家，共 {total} 行',
    rejected: '文件未导入，请按下列提示修改后重新上传', line: '行号', column: '列', message: '问题', noFile: '请先选择文件',
    fileName: '文件', wholeLine: '整行',
  },
  map: {
    title: '机构分布（按经纬度）', noCoordinates: '{n} 家机构未填写经纬度，未显示在图中', longitude: '经度', latitude: '纬度',
    loadedOf: '已显示 {shown} / {total} 家', truncated: '机构较多，仅显示前 {n} 家，请按区或类别筛选',
  },
}
