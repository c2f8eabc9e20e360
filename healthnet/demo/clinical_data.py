"""Reference data of the demo clinical histories: the shared drug list (ATC / ingredient codes),
lab and exam items of the duplicate-test rules, chronic and acute problems (ICD-10)."""

from __future__ import annotations

from healthnet.core.orgs.enums import InstitutionKind

# (generic drug code, generic name, ingredient code, ingredient name, ATC, dose, unit, freq)
DRUGS: dict[str, tuple[str, str, str, str, str, str, str, str]] = {
    "metformin": (
        "X-A10BA02-001",
        "盐酸二甲双胍片",
        "ING-METF",
        "二甲双胍",
        "A10BA02",
        "0.5",
        "g",
        "tid",
    ),
    "atorvastatin": (
        "X-C10AA05-001",
        "阿托伐他汀钙片",
        "ING-ATOR",
        "阿托伐他汀",
        "C10AA05",
        "20",
        "mg",
        "qn",
    ),
    "rosuvastatin": (
        "X-C10AA07-001",
        "瑞舒伐他汀钙片",
        "ING-ROSU",
        "瑞舒伐他汀",
        "C10AA07",
        "10",
        "mg",
        "qn",
    ),
    "amlodipine": (
        "X-C08CA01-001",
        "苯磺酸氨氯地平片",
        "ING-AMLO",
        "氨氯地平",
        "C08CA01",
        "5",
        "mg",
        "qd",
    ),
    "nifedipine": (
        "X-C08CA05-001",
        "硝苯地平控释片",
        "ING-NIFE",
        "硝苯地平",
        "C08CA05",
        "30",
        "mg",
        "qd",
    ),
    "valsartan": ("X-C09CA03-001", "缬沙坦胶囊", "ING-VALS", "缬沙坦", "C09CA03", "80", "mg", "qd"),
    "aspirin": (
        "X-B01AC06-001",
        "阿司匹林肠溶片",
        "ING-ASPI",
        "阿司匹林",
        "B01AC06",
        "100",
        "mg",
        "qd",
    ),
    "clopidogrel": (
        "X-B01AC04-001",
        "硫酸氢氯吡格雷片",
        "ING-CLOP",
        "氯吡格雷",
        "B01AC04",
        "75",
        "mg",
        "qd",
    ),
    "omeprazole": (
        "X-A02BC01-001",
        "奥美拉唑肠溶胶囊",
        "ING-OMEP",
        "奥美拉唑",
        "A02BC01",
        "20",
        "mg",
        "bid",
    ),
    "cefuroxime": (
        "X-J01DC02-001",
        "头孢呋辛酯片",
        "ING-CEFU",
        "头孢呋辛",
        "J01DC02",
        "0.25",
        "g",
        "bid",
    ),
    "amoxicillin": (
        "X-J01CA04-001",
        "阿莫西林胶囊",
        "ING-AMOX",
        "阿莫西林",
        "J01CA04",
        "0.5",
        "g",
        "tid",
    ),
    "levofloxacin": (
        "X-J01MA12-001",
        "左氧氟沙星片",
        "ING-LEVO",
        "左氧氟沙星",
        "J01MA12",
        "0.5",
        "g",
        "qd",
    ),
}

# code → (name, unit, low, high, specimen); the value of a panel is its key analyte.
LABS: dict[str, tuple[str, str, float, float, str]] = {
    "CBC": ("血常规（白细胞计数）", "10^9/L", 3.5, 9.5, "静脉血"),
    "LFT": ("肝功能（丙氨酸氨基转移酶）", "U/L", 9, 50, "血清"),
    "RFT": ("肾功能（肌酐）", "μmol/L", 57, 111, "血清"),
    "LIPID": ("血脂四项（总胆固醇）", "mmol/L", 2.8, 5.2, "血清"),
    "HBA1C": ("糖化血红蛋白", "%", 4.0, 6.0, "全血"),
    "FBG": ("空腹血糖", "mmol/L", 3.9, 6.1, "血浆"),
    "CRP": ("C反应蛋白", "mg/L", 0, 10, "血清"),
    "UA": ("尿常规（尿蛋白）", "", 0, 0, "尿液"),
}

# code → (name, modality, body part, normal findings, normal conclusion, abnormal findings,
# abnormal conclusion)
EXAMS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "CT-CHEST": (
        "胸部CT",
        "CT",
        "胸部",
        "双肺纹理清晰，未见明显实质性病变。",
        "胸部CT平扫未见明显异常。",
        "右肺上叶见一磨玻璃结节，直径约6mm。",
        "右肺上叶磨玻璃结节，建议12个月后复查。",
    ),
    "CT-HEAD": (
        "头颅CT",
        "CT",
        "头颅",
        "脑实质密度均匀，脑室系统未见扩大。",
        "头颅CT平扫未见明显异常。",
        "双侧基底节区见小片状低密度影。",
        "双侧基底节区腔隙性脑梗死。",
    ),
    "MR-HEAD": (
        "头颅MRI",
        "MR",
        "头颅",
        "脑实质信号均匀，中线结构居中。",
        "头颅MRI平扫未见明显异常。",
        "双侧侧脑室旁白质见斑点状长T2信号。",
        "脑白质变性（Fazekas 1级）。",
    ),
    "US-ABD": (
        "腹部B超",
        "US",
        "腹部",
        "肝胆胰脾未见明显异常。",
        "腹部超声未见明显异常。",
        "肝脏回声增强，后方回声衰减。",
        "脂肪肝（轻度）。",
    ),
    "DR-CHEST": (
        "胸部DR",
        "DX",
        "胸部",
        "两肺野清晰，心影不大。",
        "胸部正位片未见明显异常。",
        "右下肺野见片状模糊影。",
        "右下肺炎症，建议治疗后复查。",
    ),
    "ECG": (
        "心电图",
        "ECG",
        "心脏",
        "窦性心律，心率72次/分。",
        "正常心电图。",
        "窦性心律，ST-T改变。",
        "ST-T改变，请结合临床。",
    ),
}

# Chronic conditions: key → (ICD-10, name, probability by age over 40, drugs, labs, exams)
CHRONIC: dict[str, tuple[str, str, float, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "htn": (
        "I10.x00",
        "原发性高血压",
        0.35,
        ("amlodipine", "valsartan", "nifedipine"),
        ("RFT", "LIPID"),
        ("ECG",),
    ),
    "dm": ("E11.900", "2型糖尿病", 0.18, ("metformin",), ("HBA1C", "FBG", "RFT"), ()),
    "lipid": ("E78.500", "高脂血症", 0.25, ("atorvastatin", "rosuvastatin"), ("LIPID", "LFT"), ()),
    "chd": (
        "I25.103",
        "冠状动脉粥样硬化性心脏病",
        0.08,
        ("aspirin", "clopidogrel", "atorvastatin"),
        ("LIPID",),
        ("ECG",),
    ),
    "gastritis": ("K29.500", "慢性胃炎", 0.10, ("omeprazole",), ("CBC",), ("US-ABD",)),
    "depression": ("F32.900", "抑郁发作", 0.02, (), (), ()),
}
# Acute problems: (ICD-10, name, drugs, labs, exams, department)
ACUTE: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str], ...] = (
    ("J06.900", "急性上呼吸道感染", ("amoxicillin",), ("CBC", "CRP"), (), "呼吸内科"),
    (
        "J18.900",
        "肺炎",
        ("levofloxacin", "cefuroxime"),
        ("CBC", "CRP"),
        ("DR-CHEST", "CT-CHEST"),
        "呼吸内科",
    ),
    ("J20.900", "急性支气管炎", ("cefuroxime",), ("CBC",), ("DR-CHEST",), "呼吸内科"),
    ("R51.x00", "头痛", (), (), ("CT-HEAD", "MR-HEAD"), "神经内科"),
    ("N39.000", "泌尿道感染", ("levofloxacin",), ("UA", "CBC"), (), "泌尿外科"),
    ("K21.000", "胃食管反流病", ("omeprazole",), (), ("US-ABD",), "消化内科"),
    (
        "Z00.000",
        "健康体检",
        (),
        ("CBC", "LFT", "RFT", "LIPID", "FBG"),
        ("US-ABD", "ECG", "DR-CHEST"),
        "体检中心",
    ),
)
CHRONIC_DEPT = {
    "htn": "心内科",
    "dm": "内分泌科",
    "lipid": "心内科",
    "chd": "心内科",
    "gastritis": "消化内科",
    "depression": "精神心理科",
}
DOCTORS = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周")
CARE_KINDS = (
    InstitutionKind.TERTIARY_HOSPITAL,
    InstitutionKind.SECONDARY_HOSPITAL,
    InstitutionKind.SPECIALIST_HOSPITAL,
)
