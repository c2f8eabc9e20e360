"""Reference tables behind the synthetic demo data (no personal data: all residents are invented).

District codes and names are the official GB/T 2260 ones; street (街道/镇) and road names are real
places so addresses look right; bounding boxes are rough (a district's map outline is not a box,
so a generated point can land near but outside the true border). Populations are the 2020
seventh-census resident counts (第七次全国人口普查), used only as weights.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name: str
    short: str  # 徐汇 — used inside institution names such as 上海徐汇xx医院
    pinyin: str  # user-name suffix for the district admin, e.g. admin_xuhui
    population_10k: int
    # (south, north, west, east) in WGS-84 degrees.
    box: tuple[float, float, float, float]
    streets: tuple[str, ...]
    roads: tuple[str, ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# One district per entry; street (街道/镇) and road names as space-separated lists.
DISTRICTS: tuple[DistrictInfo, ...] = (
    DistrictInfo(
        "310101",
        "黄浦区",
        "黄浦",
        "huangpu",
        66,
        (31.19, 31.245, 121.46, 121.505),
        _words(
            "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 老西门街道 "
            "五里桥街道 打浦桥街道 淮海中路街道 瑞金二路街道"
        ),
        _words(
            "南京东路 西藏中路 淮海中路 复兴中路 河南南路 中山南路 瑞金二路 陆家浜路 "
            "人民路 制造局路 蒙自路 丽园路"
        ),
    ),
    DistrictInfo(
        "310104",
        "徐汇区",
        "徐汇",
        "xuhui",
        111,
        (31.12, 31.22, 121.4, 121.47),
        _words(
            "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 田林街道 虹梅路街道 "
            "康健新村街道 徐家汇街道 凌云路街道 龙华街道 漕河泾街道 华泾镇"
        ),
        _words(
            "漕溪北路 肇嘉浜路 衡山路 天钥桥路 宜山路 龙华中路 桂林路 田林路 虹漕路 "
            "斜土路 东安路 零陵路 罗秀路 龙吴路"
        ),
    ),
    DistrictInfo(
        "310105",
        "长宁区",
        "长宁",
        "changning",
        69,
        (31.19, 31.235, 121.34, 121.44),
        _words(
            "华阳路街道 江苏路街道 新华路街道 周家桥街道 天山路街道 仙霞新村街道 "
            "虹桥街道 程家桥街道 北新泾街道 新泾镇"
        ),
        _words(
            "延安西路 天山路 仙霞路 遵义路 愚园路 定西路 娄山关路 金钟路 哈密路 "
            "协和路 威宁路 剑河路"
        ),
    ),
    DistrictInfo(
        "310106",
        "静安区",
        "静安",
        "jingan",
        98,
        (31.22, 31.31, 121.43, 121.48),
        _words(
            "江宁路街道 石门二路街道 南京西路街道 静安寺街道 曹家渡街道 天目西路街道 "
            "北站街道 宝山路街道 共和新路街道 大宁路街道 彭浦新村街道 临汾路街道 "
            "芷江西路街道 彭浦镇"
        ),
        _words(
            "南京西路 延安中路 北京西路 常德路 江宁路 共和新路 天目中路 大统路 万荣路 "
            "广延路 临汾路 灵石路"
        ),
    ),
    DistrictInfo(
        "310107",
        "普陀区",
        "普陀",
        "putuo",
        124,
        (31.22, 31.285, 121.36, 121.44),
        _words(
            "曹杨新村街道 长风新村街道 长寿路街道 甘泉路街道 石泉路街道 宜川路街道 "
            "万里街道 真如镇街道 长征镇 桃浦镇"
        ),
        _words(
            "中山北路 曹杨路 武宁路 真北路 长寿路 铜川路 同普路 梅岭北路 岚皋路 "
            "兰溪路 宜川路 新村路"
        ),
    ),
    DistrictInfo(
        "310109",
        "虹口区",
        "虹口",
        "hongkou",
        76,
        (31.25, 31.3, 121.47, 121.51),
        _words(
            "欧阳路街道 曲阳路街道 广中路街道 嘉兴路街道 凉城新村街道 四川北路街道 "
            "北外滩街道 江湾镇街道"
        ),
        _words(
            "四川北路 曲阳路 广中路 大连西路 海伦路 东江湾路 水电路 凉城路 中山北一路 "
            "临平路 西江湾路"
        ),
    ),
    DistrictInfo(
        "310110",
        "杨浦区",
        "杨浦",
        "yangpu",
        124,
        (31.26, 31.33, 121.5, 121.56),
        _words(
            "定海路街道 平凉路街道 江浦路街道 四平路街道 控江路街道 长白新村街道 "
            "延吉新村街道 殷行街道 大桥街道 五角场街道 新江湾城街道 长海路街道"
        ),
        _words(
            "控江路 四平路 长阳路 黄兴路 国和路 殷行路 国权路 军工路 延吉中路 平凉路 政立路 江浦路"
        ),
    ),
    DistrictInfo(
        "310112",
        "闵行区",
        "闵行",
        "minhang",
        265,
        (31.0, 31.2, 121.33, 121.52),
        _words(
            "江川路街道 古美街道 新虹街道 浦锦街道 莘庄镇 七宝镇 颛桥镇 华漕镇 虹桥镇 "
            "梅陇镇 吴泾镇 马桥镇 浦江镇"
        ),
        _words(
            "莘松路 七莘路 沪闵路 都市路 剑川路 虹井路 吴中路 水清路 银都路 江川路 "
            "古美路 春申路 沪青平公路"
        ),
    ),
    DistrictInfo(
        "310113",
        "宝山区",
        "宝山",
        "baoshan",
        223,
        (31.3, 31.5, 121.33, 121.51),
        _words(
            "友谊路街道 吴淞街道 张庙街道 庙行镇 淞南镇 高境镇 大场镇 杨行镇 月浦镇 "
            "罗店镇 顾村镇 罗泾镇"
        ),
        _words(
            "牡丹江路 友谊路 同济路 共和新路 沪太路 长江西路 泰和路 一二八纪念路 "
            "陆翔路 宝杨路 淞南路 菊联路"
        ),
    ),
    DistrictInfo(
        "310114",
        "嘉定区",
        "嘉定",
        "jiading",
        183,
        (31.25, 31.45, 121.1, 121.35),
        _words(
            "新成路街道 真新街道 嘉定镇街道 菊园新区 南翔镇 安亭镇 马陆镇 徐行镇 "
            "华亭镇 外冈镇 江桥镇"
        ),
        _words(
            "城中路 博乐路 塔城路 沪宜公路 墨玉路 曹安公路 嘉戬公路 叶城路 胜辛路 清河路 平城路"
        ),
    ),
    DistrictInfo(
        "310115",
        "浦东新区",
        "浦东",
        "pudong",
        568,
        (30.85, 31.35, 121.5, 121.95),
        _words(
            "潍坊新村街道 陆家嘴街道 周家渡街道 塘桥街道 上钢新村街道 南码头路街道 "
            "沪东新村街道 金杨新村街道 洋泾街道 浦兴路街道 东明路街道 花木街道 川沙新镇 "
            "高桥镇 北蔡镇 合庆镇 唐镇 曹路镇 金桥镇 高行镇 高东镇 张江镇 三林镇 "
            "惠南镇 周浦镇 新场镇 大团镇 康桥镇 航头镇 祝桥镇 泥城镇 宣桥镇 书院镇 "
            "万祥镇 老港镇 南汇新城镇"
        ),
        _words(
            "世纪大道 张杨路 浦东南路 东方路 杨高南路 锦绣路 川沙路 沪南公路 龙阳路 "
            "金桥路 蔡伦路 浦建路 成山路 高科西路 浦三路"
        ),
    ),
    DistrictInfo(
        "310116",
        "金山区",
        "金山",
        "jinshan",
        82,
        (30.7, 30.9, 121.0, 121.4),
        _words("石化街道 朱泾镇 枫泾镇 张堰镇 亭林镇 吕巷镇 廊下镇 金山卫镇 漕泾镇 山阳镇"),
        _words("卫零路 龙航路 蒙山路 金山大道 南圩路 亭林大街 兴塔路 板桥西路 卫清西路 朱枫公路"),
    ),
    DistrictInfo(
        "310117",
        "松江区",
        "松江",
        "songjiang",
        191,
        (30.95, 31.15, 121.05, 121.35),
        _words(
            "岳阳街道 永丰街道 方松街道 中山街道 广富林街道 九里亭街道 泗泾镇 佘山镇 "
            "车墩镇 新桥镇 洞泾镇 九亭镇 泖港镇 石湖荡镇 新浜镇 叶榭镇 小昆山镇"
        ),
        _words(
            "中山中路 人民北路 荣乐中路 谷阳北路 新松江路 九亭大街 泗泾路 广富林路 "
            "玉树路 乐都路 文诚路"
        ),
    ),
    DistrictInfo(
        "310118",
        "青浦区",
        "青浦",
        "qingpu",
        127,
        (30.98, 31.25, 120.9, 121.25),
        _words(
            "夏阳街道 盈浦街道 香花桥街道 朱家角镇 练塘镇 金泽镇 赵巷镇 徐泾镇 华新镇 重固镇 白鹤镇"
        ),
        _words(
            "城中北路 公园路 外青松公路 青松路 华青路 崧泽大道 徐泾北路 盈港东路 青安路 淀山湖大道"
        ),
    ),
    DistrictInfo(
        "310120",
        "奉贤区",
        "奉贤",
        "fengxian",
        114,
        (30.8, 31.0, 121.3, 121.75),
        _words(
            "西渡街道 奉浦街道 金海街道 南桥镇 奉城镇 庄行镇 金汇镇 四团镇 青村镇 柘林镇 海湾镇"
        ),
        _words("南奉公路 解放东路 南桥路 环城东路 望园路 沪杭公路 航南公路 古华路 运河北路 江海路"),
    ),
    DistrictInfo(
        "310151",
        "崇明区",
        "崇明",
        "chongming",
        64,
        (31.45, 31.8, 121.3, 121.95),
        _words(
            "城桥镇 堡镇 新河镇 庙镇 竖新镇 向化镇 三星镇 港沿镇 中兴镇 陈家镇 "
            "绿华镇 港西镇 建设镇 新海镇 东平镇 长兴镇 新村乡 横沙乡"
        ),
        _words("八一路 人民路 崇明大道 陈海公路 北沿公路 南门路 城桥路 鼓浦路 翠竹路 育麟桥路"),
    ),
)

# Birthplace codes for residents born outside Shanghai (GB/T 2260 county-level codes that exist),
# "code:weight".
OTHER_BIRTHPLACES: tuple[tuple[str, int], ...] = tuple(
    (code, int(w))
    for code, w in (
        item.split(":")
        for item in _words(
            "320102:6 320583:5 320282:4 330106:5 330203:3 330402:3 340104:4 341103:3 360102:2 "
            "370102:2 410105:3 411502:2 420106:3 430102:2 510107:3 500103:2 350102:2 130102:1 "
            "230102:1 220102:1 610113:1 450103:1 530102:1 140105:1"
        )
    )
)

# Surnames with rough frequency weights, "surname:weight" (per mille; national ranks, with
# Shanghai-frequent names such as 沈 陆 顾 钱 raised a little).
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (name, float(w))
    for name, w in (
        item.split(":")
        for item in _words(
            "王:71 李:70 张:68 刘:54 陈:50 杨:31 黄:26 赵:23 吴:22 周:20 徐:19 孙:15 马:12 "
            "朱:14 胡:11 郭:11 何:10 林:9 高:9 罗:8.5 郑:8 梁:7 谢:6 宋:5 唐:5 许:5.5 韩:4.5 "
            "冯:4.5 邓:4.5 曹:4.5 彭:4 曾:4 肖:4 田:3.5 董:3.5 袁:3 潘:3 于:3 蒋:3.5 蔡:3 余:3 "
            "杜:3 叶:3 程:3 苏:2.5 魏:2.5 吕:2.5 丁:2.5 任:2.5 沈:4.5 姚:2.5 卢:2 姜:2 崔:2 "
            "钟:2 谭:2 陆:4 汪:2.5 范:2 金:2.5 石:2 廖:2 贾:2 夏:2 韦:1.5 付:2 方:2 顾:3.5 "
            "钱:2.5 倪:1.5 严:1.5 施:1.5 戴:1.5 邵:1.5 孔:1 毛:1.5 欧阳:0.5 司马:0.05 诸葛:0.05 "
            "上官:0.05"
        )
    )
)

# Given names by birth cohort and sex ("1" male, "2" female, GB/T 2261.1); names change with
# the times, so an 80-year-old 秀英 and a 10-year-old 梓涵 look right.
GIVEN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "old": {  # born before 1960
        "1": _words(
            "建国 国庆 建华 国强 志明 德明 福根 根宝 金龙 国华 文华 振华 永福 荣 明 华 军 平 海 兴"
        ),
        "2": _words(
            "秀英 桂英 玉兰 淑珍 凤英 秀兰 桂珍 美华 月英 菊芳 "
            "翠华 金妹 阿娣 素珍 丽华 英 芳 珍 兰 萍"
        ),
    },
    "mid": {  # 1960–1984
        "1": _words(
            "伟 勇 军 强 斌 刚 明 峰 伟民 卫东 建军 志刚 晓东 海涛 立新 红兵 永强 俊 毅 杰"
        ),
        "2": _words("丽 红 敏 燕 萍 静 芳 霞 丽娟 红梅 晓红 海燕 雪梅 玉梅 春燕 琴 颖 莉 蓉 慧"),
    },
    "young": {  # 1985–2004
        "1": _words("磊 超 杰 鹏 浩 俊杰 宇 晨 毅 凯 帅 文博 佳豪 天翼 旭东 子豪 嘉伟 昊 骏 晨阳"),
        "2": _words("婷 静怡 佳怡 晓雯 雯 倩 洁 琳 颖 佳琪 思佳 晓燕 丹 璐 雪 蕾 婧 怡 欣 舒婷"),
    },
    "child": {  # 2005 and later
        "1": _words(
            "子轩 浩然 宇轩 梓睿 一鸣 沐宸 奕辰 俊熙 子墨 皓轩 "
            "承泽 睿 铭 泽宇 博文 天佑 语晨 嘉懿 思远 亦凡"
        ),
        "2": _words(
            "梓涵 欣怡 诗涵 雨桐 一诺 可馨 语嫣 梓萱 若曦 思琪 "
            "子涵 安然 悦 沐瑶 芷若 依诺 雨萱 佳怡 梦琪 书瑶"
        ),
    },
}

# Age bands (lowest age, highest age, weight in %): Shanghai's 2020 census pyramid, rounded
# (0–14 ≈ 9.8 %, 15–59 ≈ 66.8 %, 60+ ≈ 23.4 %).
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 4, 3.0), (5, 9, 3.6), (10, 14, 3.2), (15, 19, 3.0), (20, 24, 5.0), (25, 29, 7.2),
    (30, 34, 9.4), (35, 39, 8.6), (40, 44, 7.4), (45, 49, 7.0), (50, 54, 7.2), (55, 59, 7.0),
    (60, 64, 7.6), (65, 69, 7.0), (70, 74, 5.0), (75, 79, 3.0), (80, 84, 2.0), (85, 89, 1.2),
    (90, 99, 0.6),
)  # fmt: skip

# China mainland mobile prefixes in use (三大运营商 + 广电).
MOBILE_PREFIXES: tuple[str, ...] = _words(
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 173 "
    "176 177 178 180 181 182 183 184 185 186 187 188 189 191 192 198 199"
)

# Residential compounds: Shanghai addresses read "<street><road><no>弄<building>号<room>室" or
# "<street><compound><building>号<room>室".
COMPOUND_WORDS: tuple[str, ...] = _words("新村 花园 公寓 小区 苑 家园 名邸 雅苑 新城 佳苑")
COMPOUND_STEMS: tuple[str, ...] = _words(
    "康乐 长青 东方 阳光 春晖 锦绣 金桥 明华 振兴 和平 "
    "幸福 新华 紫薇 翠湖 丽都 绿洲 枫林 银杏 海棠 凯旋"
)

# Departments by 诊疗科目 code of the 医疗机构诊疗科目名录, "code:name".
DEPT_NAMES: dict[str, str] = dict(
    item.split(":")
    for item in _words(
        "01:预防保健科 02:全科医疗科 03:内科 04:外科 05:妇产科 06:妇女保健科 07:儿科 "
        "09:儿童保健科 10:眼科 11:耳鼻咽喉科 12:口腔科 13:皮肤科 15:精神科 16:传染科 19:肿瘤科 "
        "20:急诊医学科 21:康复医学科 26:麻醉科 28:重症医学科 30:医学检验科 31:病理科 "
        "32:医学影像科 50:中医科"
    )
)
# Sub-departments of large hospitals under 内科 / 外科 (own codes, names as hospitals use them).
SUB_DEPTS: dict[str, tuple[tuple[str, str], ...]] = {
    "03": (("0301", "呼吸内科"), ("0302", "消化内科"), ("0303", "神经内科"),
           ("0304", "心血管内科"), ("0306", "肾内科"), ("0307", "内分泌科")),
    "04": (("0401", "普通外科"), ("0402", "神经外科"), ("0403", "骨科"), ("0404", "泌尿外科"),
           ("0405", "胸外科"), ("0406", "心脏大血管外科")),
}  # fmt: skip

HOSPITAL_DEPTS_TERTIARY = _words("03 04 05 07 10 11 12 13 16 19 20 21 26 28 30 31 32 50")
HOSPITAL_DEPTS_SECONDARY = _words("03 04 05 07 10 11 12 20 21 26 30 32 50")
CHC_DEPTS = _words("01 02 09 06 12 21 30 32 50")
MCH_DEPTS = _words("05 06 07 09 30 32")
MENTAL_DEPTS = _words("15 03 30 32")
EYE_DEPTS = _words("10 30")
ORAL_DEPTS = _words("12 32")
CDC_DEPTS = _words("01 16 30")

# City-level hospitals (市级医院) named in the 上海市第X人民医院 style: (district code, name,
# profile: general | children | chest | mental | eye | oral | tcm | women). Synthetic: names
# follow the city's conventions; codes and figures are invented.
CITY_HOSPITALS: tuple[tuple[str, str, str], ...] = (
    ("310109", "上海市第一人民医院", "general"),
    ("310101", "上海市第二人民医院", "general"),
    ("310107", "上海市第三人民医院", "general"),
    ("310109", "上海市第四人民医院", "general"),
    ("310112", "上海市第五人民医院", "general"),
    ("310104", "上海市第六人民医院", "general"),
    ("310115", "上海市第七人民医院", "general"),
    ("310104", "上海市第八人民医院", "general"),
    ("310101", "上海市第九人民医院", "general"),
    ("310106", "上海市第十人民医院", "general"),
    ("310110", "上海市第十一人民医院", "general"),
    ("310105", "上海市第十二人民医院", "general"),
    ("310115", "上海市东方第一医院", "general"),
    ("310113", "上海市北部中心医院", "general"),
    ("310117", "上海市西南中心医院", "general"),
    ("310120", "上海市南部中心医院", "general"),
    ("310106", "上海市儿童医院", "children"),
    ("310115", "上海市浦东儿童医院", "children"),
    ("310104", "上海市胸科医院", "chest"),
    ("310110", "上海市肺科医院", "chest"),
    ("310104", "上海市精神卫生中心", "mental"),
    ("310109", "上海市眼病防治中心", "eye"),
    ("310101", "上海市口腔医院", "oral"),
    ("310106", "上海市中医医院", "tcm"),
    ("310112", "上海市中西医结合医院", "tcm"),
    ("310105", "上海市妇产科医院", "women"),
    ("310114", "上海市公共卫生临床中心", "general"),
    ("310118", "上海市西部医学中心", "general"),
)

LAB_BRANDS: tuple[str, ...] = _words("华检 康达 申联 迪安 金域 艾迪康 达瑞 博润 瑞康 领检")
# Private hospitals: (name suffix, profile).
PRIVATE_PROFILES: tuple[tuple[str, str], ...] = (
    ("康复医院", "rehab"), ("眼科医院", "eye"), ("口腔医院", "oral"), ("妇产医院", "women"),
    ("骨科医院", "ortho"), ("中医医院", "tcm"), ("老年护理院", "nursing"),
)  # fmt: skip
PRIVATE_STEMS: tuple[str, ...] = _words(
    "仁和 博爱 永康 瑞东 德济 和睦 安达 协和 嘉会 禾新 天爱 美华 同仁 慈济 恒康"
)
