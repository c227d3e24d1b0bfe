"""Demo data: one company with warehouses, items, partners, one user per role, and its books: the
Chinese chart of accounts, last and this fiscal year open, and opening stock posted in every warehouse;
then approval rules and a little trading (a purchase order received and billed and one waiting in the
approver's inbox; a sales order delivered, invoiced and partly paid and one waiting to ship).

Idempotent: every record is looked up by its code (or username) and created through the services
only when it is missing, so a second run writes nothing. The opening stock's money events are
dispatched once the seeding commits (at once in the embedded mode), so the demo books reconcile.
Never run it on a production database: it creates a superuser whose password is published in the README.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.approvals import services as approvals
from apps.approvals.models import ApprovalRule
from apps.core.roles import role_label
from apps.finance import services as books
from apps.finance.models import Account, FiscalYear, ManualJournal, PostingRule
from apps.inventory import services as stock
from apps.inventory.models import StockAdjustment
from apps.masterdata import services
from apps.masterdata.models import (
    Company,
    Currency,
    ExchangeRate,
    Item,
    ItemCategory,
    Location,
    Partner,
    PaymentTerms,
    TaxRate,
    UnitOfMeasure,
    Warehouse,
)
from apps.masterdata.validation import USCC_CHARSET, USCC_WEIGHTS
from apps.production import services as production
from apps.production.models import BillOfMaterials
from apps.purchasing import services as purchasing
from apps.purchasing.models import PurchaseOrder
from apps.sales import services as sales_services

DEMO_PASSWORD = "demo1234"  # noqa: S105 -- published on purpose: demo sign-ins
DEMO_URL = "http://127.0.0.1:8000/"
COMPANY_CODE = "DEMO"

STOCK, CONSUMABLE, SERVICE = Item.ItemType.STOCK, Item.ItemType.CONSUMABLE, Item.ItemType.SERVICE


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    name: str
    manager: str = ""
    superuser: bool = False


# The approver comes before the people it manages, so their manager exists when they are created.
USERS = [
    DemoUser("admin", "administrator", "赵敏", superuser=True),
    DemoUser("approver", "approver", "周建国"),
    DemoUser("sales", "sales_clerk", "王芳", manager="approver"),
    DemoUser("buyer", "buyer", "李强", manager="approver"),
    DemoUser("warehouse", "warehouse_keeper", "张伟", manager="approver"),
    DemoUser("planner", "production_planner", "陈静", manager="approver"),
    DemoUser("accountant", "accountant", "刘洋"),
]
KEEPER_WAREHOUSE = "SH01"
USERS_WITH_EVERY_WAREHOUSE = ("sales", "buyer", "planner", "approver")

# One unit of each currency in CNY, as published on these dates.
EXCHANGE_RATES = {
    "USD": {date(2026, 10, 1): "7.11200000", date(2026, 11, 2): "7.09850000"},
    "EUR": {date(2026, 10, 1): "8.24500000", date(2026, 11, 2): "8.27100000"},
    "HKD": {date(2026, 10, 1): "0.91420000", date(2026, 11, 2): "0.91260000"},
}

# code, name, address, zones: (zone code, zone name, number of bins)
WAREHOUSES = [
    ("SH01", "上海总仓", "上海市浦东新区川沙路 5588 号", [("A", "原材料区", 4), ("B", "成品区", 3)]),
    ("SZ01", "苏州工厂仓", "江苏省苏州市吴中区旺山工业园 18 号", [("A", "原料区", 4), ("B", "半成品区", 4)]),
    ("GZ01", "广州配送中心", "广东省广州市黄埔区开创大道 266 号", [("A", "收货暂存区", 3), ("B", "拣货区", 4)]),
]

# code, name, parent code
CATEGORIES = [
    ("RAW", "原材料", ""),
    ("RAW-STEEL", "钢材", "RAW"),
    ("RAW-ELEC", "电子元件", "RAW"),
    ("SEMI", "半成品", ""),
    ("FG", "产成品", ""),
    ("PKG", "包装材料", ""),
    ("MRO", "辅料耗材", ""),
    ("SVC", "服务", ""),
]


@dataclass(frozen=True)
class DemoItem:
    code: str
    name: str
    category: str
    unit: str
    price: str
    tax: str = "VAT13"
    kind: str = STOCK
    buy: tuple[str, int | None] | None = None  # purchase unit, base units in one (None: a general conversion)
    sell: tuple[str, int] | None = None
    reorder: tuple[int, int] = (0, 0)  # reorder point, reorder quantity
    lead: int = 0
    lot: bool = False
    barcode: bool = False


# fmt: off
ITEMS = [
    DemoItem("RM-ST-001", "冷轧钢板 SPCC 1.0×1250×2500", "RAW-STEEL", "KG", "5.20", buy=("T", None),
             reorder=(2000, 5000), lead=7, lot=True),
    DemoItem("RM-ST-002", "热轧钢板 Q235B 3.0mm", "RAW-STEEL", "KG", "4.60", buy=("T", None),
             reorder=(1500, 5000), lead=7, lot=True),
    DemoItem("RM-ST-003", "不锈钢板 304 1.5mm", "RAW-STEEL", "KG", "16.80", buy=("T", None),
             reorder=(500, 1000), lead=10, lot=True),
    DemoItem("RM-ST-004", "热轧圆钢 45# Φ20", "RAW-STEEL", "KG", "4.90", reorder=(800, 2000), lead=7),
    DemoItem("RM-ST-005", "不锈钢管 304 Φ25×1.5", "RAW-STEEL", "M", "28.50", reorder=(200, 600), lead=10),
    DemoItem("RM-ST-006", "镀锌角钢 50×50×5", "RAW-STEEL", "M", "22.00", reorder=(300, 600), lead=5),
    DemoItem("RM-ST-007", "铝合金型材 6063-T5", "RAW-STEEL", "KG", "23.50", reorder=(300, 1000), lead=12, lot=True),
    DemoItem("RM-EL-001", "贴片电阻 10kΩ 0603", "RAW-ELEC", "PCS", "0.01", reorder=(20000, 50000), lead=14),
    DemoItem("RM-EL-002", "贴片电容 100nF 0603", "RAW-ELEC", "PCS", "0.02", reorder=(20000, 50000), lead=14),
    DemoItem("RM-EL-003", "单片机 STM32F103C8T6", "RAW-ELEC", "PCS", "12.50", reorder=(500, 2000), lead=30, lot=True),
    DemoItem("RM-EL-004", "继电器 12V 10A", "RAW-ELEC", "PCS", "3.80", buy=("BOX", 24), reorder=(240, 480), lead=10),
    DemoItem("RM-EL-005", "交流接触器 CJX2-1810", "RAW-ELEC", "PCS", "45.00", buy=("BOX", 12), reorder=(60, 120),
             lead=7),
    DemoItem("RM-EL-006", "直流无刷电机 24V 100W", "RAW-ELEC", "PCS", "168.00", reorder=(50, 200), lead=21),
    DemoItem("RM-EL-007", "步进电机 42BYGH", "RAW-ELEC", "PCS", "58.00", reorder=(50, 200), lead=21),
    DemoItem("RM-EL-008", "电感式接近开关 M12", "RAW-ELEC", "PCS", "26.00", buy=("BOX", 24), reorder=(48, 96),
             lead=10),
    DemoItem("RM-EL-009", "LED 指示灯 Φ22 红色", "RAW-ELEC", "PCS", "4.50", buy=("BOX", 24), reorder=(96, 240),
             lead=7),
    DemoItem("RM-EL-010", "开关电源 24V 5A", "RAW-ELEC", "PCS", "65.00", buy=("BOX", 12), reorder=(36, 120),
             lead=10),
    DemoItem("RM-EL-011", "锂电池 18650 2600mAh", "RAW-ELEC", "PCS", "9.80", buy=("BOX", 24), reorder=(480, 1200),
             lead=20, lot=True),
    DemoItem("RM-EL-012", "屏蔽电缆 RVVP 4×0.5", "RAW-ELEC", "M", "3.20", reorder=(500, 2000), lead=5),
    DemoItem("RM-EL-013", "温度传感器 PT100", "RAW-ELEC", "PCS", "35.00", reorder=(100, 300), lead=14),
    DemoItem("SF-001", "温控主板 PCBA TC-200", "SEMI", "PCS", "86.00", reorder=(100, 300), lead=5, lot=True),
    DemoItem("SF-002", "电机驱动板 PCBA MD-24", "SEMI", "PCS", "72.00", reorder=(50, 200), lead=5, lot=True),
    DemoItem("SF-003", "焊接机架 WF-500", "SEMI", "PCS", "320.00", reorder=(20, 50), lead=4),
    DemoItem("SF-004", "钣金外壳 喷塑 TC-200", "SEMI", "PCS", "28.00", reorder=(100, 300), lead=3),
    DemoItem("SF-005", "控制线束 1.5m", "SEMI", "PCS", "15.00", reorder=(100, 300), lead=2),
    DemoItem("FG-001", "智能温控器 TC-200", "FG", "PCS", "398.00", reorder=(50, 200), lead=7, lot=True, barcode=True),
    DemoItem("FG-002", "工业落地扇 FS-500", "FG", "PCS", "560.00", reorder=(30, 100), lead=7, barcode=True),
    DemoItem("FG-003", "电动推杆 LA-100", "FG", "PCS", "420.00", reorder=(40, 120), lead=6, barcode=True),
    DemoItem("FG-004", "不锈钢工作台 1500×750", "FG", "PCS", "1280.00", reorder=(5, 20), lead=10, barcode=True),
    DemoItem("FG-005", "皮带输送机 BC-3000", "FG", "SET", "18500.00", lead=20),
    DemoItem("FG-006", "电气控制柜 EC-800", "FG", "SET", "9600.00", lead=15),
    DemoItem("FG-007", "储能电池包 48V 20Ah", "FG", "PCS", "1650.00", reorder=(10, 40), lead=12, lot=True,
             barcode=True),
    DemoItem("FG-008", "无线温湿度记录仪 TH-10", "FG", "PCS", "199.00", sell=("BOX", 12), reorder=(60, 240),
             lead=7, barcode=True),
    DemoItem("PK-001", "五层瓦楞纸箱 600×400×400", "PKG", "PCS", "6.80", reorder=(500, 2000), lead=5),
    DemoItem("PK-002", "三层瓦楞纸箱 300×200×150", "PKG", "PCS", "2.10", reorder=(1000, 3000), lead=5),
    DemoItem("PK-003", "珍珠棉 EPE 10mm", "PKG", "M", "1.60", reorder=(500, 2000), lead=5),
    DemoItem("PK-004", "缠绕膜 500mm×20μm", "PKG", "KG", "12.00", reorder=(50, 200), lead=5),
    DemoItem("PK-005", "封箱胶带 48mm×100m", "PKG", "PCS", "4.20", buy=("BOX", 24), reorder=(96, 240), lead=3,
             barcode=True),
    DemoItem("PK-006", "木托盘 1200×1000 熏蒸", "PKG", "PCS", "85.00", reorder=(50, 150), lead=7),
    DemoItem("PK-007", "不干胶标签 100×60mm", "PKG", "PCS", "0.05", reorder=(5000, 20000), lead=5),
    DemoItem("MR-001", "CO2 保护焊丝 ER50-6 Φ1.2", "MRO", "KG", "9.50", kind=CONSUMABLE, reorder=(100, 300), lead=5),
    DemoItem("MR-002", "丁腈涂层劳保手套", "MRO", "PCS", "3.50", kind=CONSUMABLE, buy=("BOX", 12), reorder=(120, 360),
             lead=3, barcode=True),
    DemoItem("MR-003", "砂轮切割片 Φ355", "MRO", "PCS", "12.00", kind=CONSUMABLE, buy=("BOX", 24), reorder=(48, 96),
             lead=3),
    DemoItem("MR-004", "水溶性切削液", "MRO", "L", "18.00", kind=CONSUMABLE, reorder=(100, 200), lead=5),
    DemoItem("MR-005", "六角螺栓 M8×30 8.8级 镀锌", "MRO", "KG", "14.00", kind=CONSUMABLE, reorder=(50, 200), lead=3),
    DemoItem("MR-006", "工业酒精 95%", "MRO", "L", "9.00", kind=CONSUMABLE, reorder=(50, 100), lead=3),
    DemoItem("SV-001", "设备安装调试服务", "SVC", "H", "300.00", tax="VAT6", kind=SERVICE),
    DemoItem("SV-002", "技术咨询服务", "SVC", "H", "500.00", tax="VAT6", kind=SERVICE),
    DemoItem("SV-003", "公路运输服务（按吨）", "SVC", "T", "260.00", tax="VAT9", kind=SERVICE),
    DemoItem("SV-004", "设备维修保养服务", "SVC", "H", "220.00", tax="VAT6", kind=SERVICE),
]
# fmt: on


@dataclass(frozen=True)
class DemoPartner:
    code: str
    name: str
    roles: str  # "C" customer, "S" supplier, "CS" both
    division: str  # administrative division code, part of the unified social credit code
    province: str
    city: str
    street: str
    postal_code: str
    contact: str
    title: str
    domain: str
    terms: str = "NET30"
    credit: str | None = None
    currency: str = "CNY"
    foreign_tax_id: str = ""  # a partner registered outside the mainland has no USCC
    country: str = "CN"


# fmt: off
PARTNERS = [
    DemoPartner("C1001", "上海宏达机电设备有限公司", "C", "310115", "上海市", "上海市", "浦东新区金科路 2889 号",
                "201203", "陈立新", "采购经理", "hongda", credit="800000"),
    DemoPartner("C1002", "苏州恒信自动化科技有限公司", "C", "320506", "江苏省", "苏州市", "吴中区东吴北路 98 号",
                "215128", "顾晓燕", "采购主管", "hengxin", credit="500000"),
    DemoPartner("C1003", "杭州明远智能装备有限公司", "C", "330106", "浙江省", "杭州市", "西湖区西园八路 11 号",
                "310030", "沈国平", "供应链经理", "mingyuan", terms="NET60", credit="600000"),
    DemoPartner("C1004", "广州市穗丰贸易有限公司", "C", "440106", "广东省", "广州市", "天河区天河北路 233 号",
                "510610", "黄志坚", "总经理", "suifeng", credit="300000"),
    DemoPartner("C1005", "深圳市鹏城电子科技有限公司", "C", "440305", "广东省", "深圳市", "南山区科技园科苑路 15 号",
                "518057", "林嘉欣", "采购专员", "pengcheng", terms="NET60", credit="1000000"),
    DemoPartner("C1006", "北京京华工控技术有限公司", "C", "110108", "北京市", "北京市", "海淀区上地信息路 26 号",
                "100085", "马文涛", "项目经理", "jinghua", credit="400000"),
    DemoPartner("C1007", "南京金陵重工机械有限公司", "C", "320115", "江苏省", "南京市", "江宁区将军大道 159 号",
                "211100", "徐海峰", "设备部长", "jinling", terms="NET90", credit="1200000"),
    DemoPartner("C1008", "宁波港城冷链设备有限公司", "C", "330206", "浙江省", "宁波市", "北仑区明州路 518 号",
                "315800", "应丽娟", "采购经理", "gangcheng", credit="350000"),
    DemoPartner("C1009", "成都天府新能源科技有限公司", "C", "510116", "四川省", "成都市", "双流区西航港大道 1888 号",
                "610200", "罗明", "采购经理", "tianfu", terms="NOW", credit="200000"),
    DemoPartner("C1010", "Pacific Rim Trading Ltd.", "C", "", "", "Hong Kong", "Unit 1208, Harbour Centre, Wan Chai",
                "", "David Wong", "Purchasing Manager", "pacificrim", terms="NET60", credit="150000",
                currency="USD", foreign_tax_id="71234567", country="HK"),
    DemoPartner("S2001", "上海宝联钢材贸易有限公司", "S", "310113", "上海市", "上海市", "宝山区蕰川路 1688 号",
                "201900", "蒋卫东", "销售经理", "baolian", terms="NET60"),
    DemoPartner("S2002", "江苏华东钢铁贸易有限公司", "S", "320282", "江苏省", "无锡市", "宜兴市钢材市场 A 区 12 号",
                "214200", "钱建华", "业务员", "huadong-steel", terms="NET30"),
    DemoPartner("S2003", "深圳市鑫源电子元器件有限公司", "S", "440304", "广东省", "深圳市", "福田区华强北路 1019 号",
                "518031", "郑晓东", "客户经理", "xinyuan", terms="NOW"),
    DemoPartner("S2004", "乐清正达电气有限公司", "S", "330382", "浙江省", "温州市", "乐清市柳市镇电器城 88 号",
                "325604", "叶成龙", "销售经理", "zhengda", terms="NET30"),
    DemoPartner("S2005", "常州恒力电机有限公司", "S", "320411", "江苏省", "常州市", "新北区汉江路 368 号",
                "213022", "吴伟", "销售工程师", "hengli", terms="NET60"),
    DemoPartner("S2006", "东莞市永固包装制品有限公司", "S", "441900", "广东省", "东莞市", "长安镇振安中路 72 号",
                "523850", "何秀英", "业务经理", "yonggu", terms="NET30"),
    DemoPartner("S2007", "昆山安泰劳保用品有限公司", "S", "320583", "江苏省", "苏州市", "昆山市前进东路 568 号",
                "215300", "朱红梅", "销售代表", "antai", terms="NOW"),
    DemoPartner("S2008", "上海顺通物流有限公司", "S", "310112", "上海市", "上海市", "闵行区沪闵路 7088 号",
                "201100", "孙国庆", "客服经理", "shuntong", terms="NET30"),
    DemoPartner("P3001", "无锡精工五金机械有限公司", "CS", "320214", "江苏省", "无锡市", "新吴区长江路 21 号",
                "214028", "华永刚", "总经理", "jinggong", credit="300000"),
    DemoPartner("P3002", "佛山南海金属制品有限公司", "CS", "440605", "广东省", "佛山市", "南海区狮山镇科技大道 9 号",
                "528225", "梁家豪", "采购经理", "nanhai-metal", terms="NET60", credit="250000"),
]
# fmt: on

# Inventory of these categories posts to its own account; the others to the chart's default (1405).
CATEGORY_INVENTORY_ACCOUNTS = {"RAW": "1403", "RAW-STEEL": "1403", "RAW-ELEC": "1403", "FG": "1405", "PKG": "1411"}

OPENING_REASON = "期初库存"
OPENING_CAPITAL = "期初库存作价投入实收资本"

# warehouse: (item, bin, quantity, unit cost, lot number, expiry date)
# fmt: off
OPENING_STOCK = {
    "SH01": [
        ("RM-ST-001", "A-01", "8000", "4.85", "HG2601-018", None),
        ("RM-ST-002", "A-01", "6000", "4.30", "RG2601-027", None),
        ("RM-ST-004", "A-02", "1500", "4.55", "", None),
        ("RM-ST-005", "A-02", "400", "26.80", "", None),
        ("RM-ST-006", "A-03", "500", "20.50", "", None),
        ("RM-EL-001", "A-04", "60000", "0.008", "", None),
        ("RM-EL-002", "A-04", "60000", "0.015", "", None),
        ("RM-EL-004", "A-04", "480", "3.50", "", None),
        ("FG-001", "B-01", "120", "238.00", "TC2512-01", None),
        ("FG-002", "B-02", "60", "352.00", "", None),
        ("FG-003", "B-02", "80", "265.00", "", None),
        ("FG-004", "B-03", "12", "860.00", "", None),
    ],
    "SZ01": [
        ("RM-ST-003", "A-01", "1200", "15.60", "BX2512-033", None),
        ("RM-ST-007", "A-01", "900", "21.80", "AL2512-105", None),
        ("RM-EL-003", "A-02", "1500", "11.20", "ST2549-A7", (2, 12, 31)),
        ("RM-EL-005", "A-02", "120", "41.00", "", None),
        ("RM-EL-006", "A-03", "150", "152.00", "", None),
        ("RM-EL-007", "A-03", "160", "52.00", "", None),
        ("RM-EL-010", "A-04", "90", "58.00", "", None),
        ("RM-EL-013", "A-04", "200", "31.50", "", None),
        ("SF-001", "B-01", "180", "62.00", "PB2512-11", (1, 6, 30)),
        ("SF-002", "B-02", "90", "51.00", "PB2512-12", (1, 6, 30)),
        ("SF-003", "B-03", "30", "236.00", "", None),
        ("SF-004", "B-04", "260", "19.50", "", None),
    ],
    "GZ01": [
        ("FG-001", "B-01", "60", "238.00", "TC2512-02", None),
        ("FG-007", "B-02", "25", "1180.00", "BP2512-05", (2, 12, 31)),
        ("FG-008", "B-03", "300", "132.00", "", None),
        ("PK-001", "A-01", "1500", "6.10", "", None),
        ("PK-002", "A-01", "3000", "1.85", "", None),
        ("PK-005", "A-02", "240", "3.80", "", None),
        ("PK-006", "A-03", "120", "78.00", "", None),
    ],
}
# fmt: on

# Two levels: the thermostat is made from its control board (among others), the board from parts.
PRODUCTION_BOMS = [
    ("SF-001", [("RM-EL-001", "12", "2"), ("RM-EL-002", "8", "2"), ("RM-EL-003", "1", "0")]),
    ("FG-001", [("SF-001", "1", "0"), ("SF-004", "1", "0"), ("SF-005", "1", "0"), ("RM-EL-013", "1", "0")]),
]
PRODUCTION_WAREHOUSE = "SZ01"  # where the boards and housings are kept

COMPANY = {
    "name": "演示制造有限公司",
    "division": "310115",
    "address": "上海市浦东新区川沙路 5588 号",
    "phone": "021-5888 0000",
}


def organisation_code(serial: int) -> str:
    """A nine-character organisation code (GB 11714: eight characters and a check digit)."""
    body = f"MA1{serial:05d}"
    values = [int(char) if char.isdigit() else ord(char) - 55 for char in body]
    check = 11 - sum(value * weight for value, weight in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def unified_social_credit_code(*, division: str, serial: int) -> str:
    """A well-formed USCC of an enterprise (91) registered in `division`, with its check digit."""
    body = f"91{division}{organisation_code(serial)}"
    total = sum(USCC_CHARSET.index(char) * weight for char, weight in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARSET[(31 - total % 31) % 31]


def ean13(serial: int) -> str:
    body = f"692052{serial:06d}"
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


@dataclass
class Tally:
    created: int = 0
    present: int = 0

    def count(self, *, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.present += 1


class DemoSeeding:
    """One run of the seeding, inside one transaction; `actor` is the demo administrator."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.actor = None
        self.users: dict = {}
        self._password_hash = ""

    def run(self) -> Company:
        with transaction.atomic():
            self.seed_users()
            company = self.seed_company()
            self.seed_exchange_rates()
            warehouses = self.seed_warehouses(company)
            categories = self.seed_categories(company)
            self.seed_items(company, categories)
            partners = self.seed_partners(company)
            self.grant_access(company, warehouses, partners)
            self.seed_books(company, categories)
            self.seed_opening_stock(company, warehouses)
            self.seed_approval_rules(company)
            self.seed_trading(company, warehouses)
            self.seed_production(company, warehouses)
        return company

    # --- People ---------------------------------------------------------------------------------

    def seed_users(self) -> None:
        user_model = get_user_model()
        existing = {user.username: user for user in user_model.objects.filter(username__in=[u.username for u in USERS])}
        groups = {group.name: group for group in Group.objects.filter(name__in=[u.role for u in USERS])}
        for spec in USERS:
            user = existing.get(spec.username)
            self.tally.count(created=user is None)
            if user is None:
                user = self._create_user(spec, user_model)
            if not user.groups.filter(pk=groups[spec.role].pk).exists():
                user.groups.add(groups[spec.role])
            self.users[spec.username] = user
            self.actor = self.actor or user

    def _create_user(self, spec: DemoUser, user_model):
        if not self._password_hash:  # hash once: the demo password is the same for everyone
            self._password_hash = make_password(DEMO_PASSWORD)
        user = user_model(
            username=spec.username,
            first_name=spec.name,
            email=f"{spec.username}@demo.example.com",
            password=self._password_hash,
            is_staff=spec.superuser,
            is_superuser=spec.superuser,
            manager=self.users.get(spec.manager),
        )
        user._history_user = self.actor or user
        user._change_reason = _("Demo data")
        user.save()
        return user

    # --- Company and reference data -------------------------------------------------------------

    def seed_company(self) -> Company:
        company = Company.objects.filter(code=COMPANY_CODE).first()
        self.tally.count(created=company is None)
        if company is not None:
            return company
        company = Company(
            code=COMPANY_CODE,
            name=COMPANY["name"],
            base_currency=Currency.objects.get(code="CNY"),
            tax_id=unified_social_credit_code(division=COMPANY["division"], serial=0),
            address=COMPANY["address"],
            phone=COMPANY["phone"],
        )
        return services.save_reference(actor=self.actor, instance=company, reason=_("Demo data"))

    def seed_exchange_rates(self) -> None:
        currencies = {
            currency.code: currency for currency in Currency.objects.filter(code__in=[*EXCHANGE_RATES, "CNY"])
        }
        present = set(
            ExchangeRate.objects.filter(quote_currency=currencies["CNY"]).values_list("currency__code", "rate_date")
        )
        for code, rates in EXCHANGE_RATES.items():
            for rate_date, rate in rates.items():
                created = (code, rate_date) not in present
                self.tally.count(created=created)
                if created:
                    rate_row = ExchangeRate(
                        currency=currencies[code], quote_currency=currencies["CNY"], rate_date=rate_date, rate=rate
                    )
                    services.save_reference(actor=self.actor, instance=rate_row, reason=_("Demo data"))

    # --- Warehouses and locations ---------------------------------------------------------------

    def seed_warehouses(self, company: Company) -> dict[str, Warehouse]:
        warehouses = {warehouse.code: warehouse for warehouse in Warehouse.objects.filter(company=company)}
        for code, name, address, zones in WAREHOUSES:
            warehouse = warehouses.get(code)
            self.tally.count(created=warehouse is None)
            if warehouse is None:
                warehouse = Warehouse(company=company, code=code, name=name, address=address)
                warehouses[code] = services.save_warehouse(actor=self.actor, warehouse=warehouse)
            self.seed_locations(warehouses[code], zones)
        return warehouses

    def seed_locations(self, warehouse: Warehouse, zones: list[tuple[str, str, int]]) -> None:
        locations = {location.code: location for location in Location.objects.filter(warehouse=warehouse)}
        for zone_code, zone_name, bin_count in zones:
            zone = self._location(locations, warehouse, None, Location.Kind.ZONE, zone_code, zone_name)
            for number in range(1, bin_count + 1):
                code = f"{zone_code}-{number:02d}"
                self._location(locations, warehouse, zone, Location.Kind.BIN, code, f"{zone_name} {number:02d} 号货位")

    def _location(self, locations: dict, warehouse, parent, kind: str, code: str, name: str) -> Location:
        location = locations.get(code)
        self.tally.count(created=location is None)
        if location is None:
            location = Location(warehouse=warehouse, parent=parent, kind=kind, code=code, name=name)
            locations[code] = services.save_location(actor=self.actor, location=location)
        return locations[code]

    # --- Items ----------------------------------------------------------------------------------

    def seed_categories(self, company: Company) -> dict[str, ItemCategory]:
        categories = {category.code: category for category in ItemCategory.objects.filter(company=company)}
        for code, name, parent_code in CATEGORIES:
            created = code not in categories
            self.tally.count(created=created)
            if created:
                category = ItemCategory(company=company, code=code, name=name, parent=categories.get(parent_code))
                categories[code] = services.save_category(actor=self.actor, category=category)
        return categories

    def seed_items(self, company: Company, categories: dict[str, ItemCategory]) -> None:
        present = set(Item.objects.filter(company=company).values_list("code", flat=True))
        units = {unit.code: unit for unit in UnitOfMeasure.objects.all()}
        tax_rates = {tax_rate.code: tax_rate for tax_rate in TaxRate.objects.all()}
        for serial, spec in enumerate(ITEMS, start=1):
            created = spec.code not in present
            self.tally.count(created=created)
            if not created:
                continue
            buy_unit, buy_factor = spec.buy or (None, None)
            sell_unit, sell_factor = spec.sell or (None, None)
            services.create_item(
                actor=self.actor,
                company=company,
                code=spec.code,
                name=spec.name,
                item_type=spec.kind,
                category=categories[spec.category],
                base_unit=units[spec.unit],
                purchase_unit=units[buy_unit] if buy_unit else None,
                sales_unit=units[sell_unit] if sell_unit else None,
                purchase_factor=Decimal(buy_factor) if buy_factor else None,
                sales_factor=Decimal(sell_factor) if sell_factor else None,
                standard_price=Decimal(spec.price),
                tax_rate=tax_rates[spec.tax],
                reorder_point=Decimal(spec.reorder[0]),
                reorder_quantity=Decimal(spec.reorder[1]),
                lead_time_days=spec.lead,
                lot_tracked=spec.lot,
                barcode=ean13(serial) if spec.barcode else "",
            )

    # --- Partners -------------------------------------------------------------------------------

    def seed_partners(self, company: Company) -> dict[str, Partner]:
        partners = {partner.code: partner for partner in Partner.objects.filter(company=company)}
        terms = {term.code: term for term in PaymentTerms.objects.all()}
        currencies = {currency.code: currency for currency in Currency.objects.all()}
        for serial, spec in enumerate(PARTNERS, start=1):
            created = spec.code not in partners
            self.tally.count(created=created)
            if created:
                partners[spec.code] = self._create_partner(company, spec, serial, terms, currencies)
        return partners

    def _create_partner(self, company: Company, spec: DemoPartner, serial: int, terms: dict, currencies: dict):
        is_customer, is_supplier = "C" in spec.roles, "S" in spec.roles
        if spec.foreign_tax_id:
            tax_id_kind, tax_id = Partner.TaxIdKind.OTHER, spec.foreign_tax_id
        else:
            tax_id_kind = Partner.TaxIdKind.USCC
            tax_id = unified_social_credit_code(division=spec.division, serial=serial)
        partner = services.create_partner(
            actor=self.actor,
            company=company,
            code=spec.code,
            name=spec.name,
            is_customer=is_customer,
            is_supplier=is_supplier,
            tax_id_kind=tax_id_kind,
            tax_id=tax_id,
            payment_terms=terms[spec.terms],
            credit_limit=Decimal(spec.credit) if spec.credit else None,
            currency=currencies[spec.currency],
            owner=self.users["sales"] if is_customer else self.users["buyer"],
            phone=f"400-820-{serial:04d}",
            email=f"info@{spec.domain}.example.com",
        )
        addresses = [self._address(spec, "billing", is_default=True)]
        if is_customer:
            addresses.append(self._address(spec, "shipping", is_default=False))
        services.replace_partner_addresses(actor=self.actor, partner=partner, addresses=addresses)
        contact = {
            "name": spec.contact,
            "title": spec.title,
            "phone": f"139{serial:04d}{serial * 37 % 10000:04d}",
            "email": f"contact@{spec.domain}.example.com",
            "is_primary": True,
        }
        services.replace_partner_contacts(actor=self.actor, partner=partner, contacts=[contact])
        return partner

    @staticmethod
    def _address(spec: DemoPartner, kind: str, *, is_default: bool) -> dict:
        return {
            "kind": kind,
            "line": spec.street,
            "city": spec.city,
            "province": spec.province,
            "postal_code": spec.postal_code,
            "country": spec.country,
            "is_default": is_default,
        }

    # --- Books ------------------------------------------------------------------------------------

    def seed_books(self, company: Company, categories: dict[str, ItemCategory]) -> None:
        """The Chinese chart with its default rules, last and this fiscal year, and category rules."""
        accounts = Account.objects.filter(company=company).count()
        if accounts:
            self.tally.present += accounts
        else:
            self.tally.created += len(books.load_chart(actor=self.actor, company=company, template="cas"))
        present_years = set(FiscalYear.objects.filter(company=company).values_list("year", flat=True))
        this_year = timezone.localdate().year
        for year in (this_year - 1, this_year):
            self.tally.count(created=year not in present_years)
            if year not in present_years:
                books.open_fiscal_year(actor=self.actor, company=company, year=year)
        ruled = set(
            PostingRule.objects.filter(company=company, role=PostingRule.Role.INVENTORY, warehouse=None)
            .exclude(item_category=None)
            .values_list("item_category__code", flat=True)
        )
        chart = {account.code: account for account in Account.objects.filter(company=company)}
        for category_code, account_code in CATEGORY_INVENTORY_ACCOUNTS.items():
            self.tally.count(created=category_code not in ruled)
            if category_code not in ruled:
                rule = PostingRule(
                    company=company,
                    role=PostingRule.Role.INVENTORY,
                    item_category=categories[category_code],
                    account=chart[account_code],
                )
                books.save_posting_rule(actor=self.actor, rule=rule, reason=_("Demo data"))

    def seed_opening_stock(self, company: Company, warehouses: dict[str, Warehouse]) -> None:
        """One posted adjustment per warehouse on the first day of the year, then the stock's value
        moved from the adjustment account into paid-in capital, as if contributed by the owners."""
        opening_date = timezone.localdate().replace(month=1, day=1)
        stocked = set(
            StockAdjustment.objects.filter(company=company, reason=OPENING_REASON).values_list(
                "warehouse__code", flat=True
            )
        )
        items = {item.code: item for item in Item.objects.filter(company=company)}
        for warehouse_code, rows in OPENING_STOCK.items():
            self.tally.count(created=warehouse_code not in stocked)
            if warehouse_code in stocked:
                continue
            warehouse = warehouses[warehouse_code]
            bins = {location.code: location for location in Location.objects.filter(warehouse=warehouse)}
            lines = [
                {
                    "item": items[item_code],
                    "location": bins[bin_code],
                    "quantity": Decimal(quantity),
                    "unit_cost": Decimal(unit_cost),
                    "lot_number": lot_number,
                    "expiry_date": self._expiry(opening_date, expiry),
                }
                for item_code, bin_code, quantity, unit_cost, lot_number, expiry in rows
            ]
            adjustment = stock.create_adjustment(
                actor=self.actor,
                company=company,
                warehouse=warehouse,
                reason=OPENING_REASON,
                document_date=opening_date,
                lines=lines,
            )
            stock.post_adjustment(actor=self.actor, adjustment=adjustment)
        self.seed_opening_capital(company, opening_date)

    @staticmethod
    def _expiry(opening_date: date, expiry: tuple[int, int, int] | None) -> date | None:
        """(years after the opening year, month, day), so the demo lots never expire in the past."""
        if expiry is None:
            return None
        years, month, day = expiry
        return date(opening_date.year + years, month, day)

    def seed_opening_capital(self, company: Company, opening_date: date) -> None:
        exists = ManualJournal.objects.filter(company=company, description=OPENING_CAPITAL).exists()
        self.tally.count(created=not exists)
        if exists:
            return
        value = sum(
            StockAdjustment.objects.filter(company=company, reason=OPENING_REASON).values_list(
                "total_value", flat=True
            ),
            Decimal(0),
        )
        chart = {
            account.code: account for account in Account.objects.filter(company=company, code__in=("1901", "4001"))
        }
        journal = books.create_manual_journal(
            actor=self.actor,
            company=company,
            document_date=opening_date,
            description=OPENING_CAPITAL,
            lines=[{"account": chart["1901"], "debit": value}, {"account": chart["4001"], "credit": value}],
        )
        books.post_manual_journal(actor=self.actor, journal=journal)

    # --- Approval rules and a few days of trading ----------------------------------------------

    def seed_approval_rules(self, company: Company) -> None:
        """Big purchase orders and adjustments, big manual journals and orders over the credit limit
        wait for approval; added after the opening stock, which needs none."""
        exists = ApprovalRule.objects.filter(company=company).exists()
        self.tally.count(created=not exists)
        if exists:
            return
        approver = self.users["approver"]
        for document_type, name, conditions, step in (
            ("purchasing.purchaseorder", "采购订单 5 万元及以上", {"min_amount": Decimal("50000")}, "manager"),
            ("inventory.stockadjustment", "库存调整 1 万元及以上", {"min_amount": Decimal("10000")}, "manager"),
            ("finance.manualjournal", "手工凭证 10 万元及以上", {"min_amount": Decimal("100000")}, "user"),
            ("sales.salesorder", "超出信用额度的销售订单", {"credit_limit_exceeded": True}, "manager"),
        ):
            approvals.save_rule(
                actor=self.actor,
                rule=ApprovalRule(company=company, document_type=document_type, name=name, **conditions),
                steps=[
                    {"kind": "user", "user": approver}
                    if step == "user"
                    else {"kind": "manager", "escalate_after_hours": 48, "fallback_user": approver}
                ],
                reason=_("Demo data"),
            )

    def seed_trading(self, company: Company, warehouses: dict[str, Warehouse]) -> None:
        """A purchase order received and billed, one waiting for approval; a sales order delivered,
        invoiced and partly paid, one confirmed and waiting to ship."""
        exists = PurchaseOrder.objects.filter(company=company).exists()
        self.tally.count(created=not exists)
        if exists:
            return
        today = timezone.localdate()
        warehouse = warehouses[KEEPER_WAREHOUSE]
        items = {item.code: item for item in Item.objects.filter(company=company)}
        supplier = Partner.objects.filter(company=company, is_supplier=True, is_customer=False).order_by("code")[0]
        customer = Partner.objects.filter(company=company, is_customer=True, is_supplier=False).order_by("code")[0]
        receiving = Location.objects.get(warehouse=warehouse, code="A-01")
        buyer, sales = self.users["buyer"], self.users["sales"]

        received = purchasing.create_order(
            actor=buyer,
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            document_date=today,
            expected_date=today,
            lines=[
                {"item": items["RM-ST-001"], "quantity": Decimal("2"), "price": Decimal("4900")},
                {"item": items["RM-ST-002"], "quantity": Decimal("1"), "price": Decimal("4350")},
            ],
        )
        purchasing.confirm_order(actor=buyer, order=received)
        receipt = purchasing.create_receipt(
            actor=self.users["warehouse"],
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            document_date=today,
            lines=[
                {
                    "order_line": line,
                    "quantity": line.base_quantity,
                    "location": receiving,
                    "lot_number": "HG2611-001",
                }
                for line in received.lines.order_by("id")
            ],
        )
        purchasing.post_receipt(actor=self.users["warehouse"], receipt=receipt)
        bill = purchasing.create_bill(
            actor=self.users["accountant"],
            company=company,
            supplier=supplier,
            supplier_invoice_number="31002611",
            document_date=today,
            lines=[{"receipt_line": line, "quantity": line.quantity} for line in receipt.lines.order_by("id")],
        )
        purchasing.post_bill(actor=self.users["accountant"], bill=bill)

        waiting = purchasing.create_order(
            actor=buyer,
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            document_date=today,
            expected_date=today,
            lines=[{"item": items["RM-ST-005"], "quantity": Decimal("2000"), "price": Decimal("26.50")}],
        )
        purchasing.confirm_order(actor=buyer, order=waiting)

        shipped = sales_services.create_order(
            actor=sales,
            company=company,
            customer=customer,
            warehouse=warehouse,
            document_date=today,
            lines=[{"item": items["FG-001"], "quantity": Decimal("10")}],
        )
        sales_services.confirm_order(actor=sales, order=shipped)
        delivery = sales_services.create_delivery(actor=self.users["warehouse"], order=shipped, document_date=today)
        sales_services.post_delivery(actor=self.users["warehouse"], delivery=delivery)
        invoice = sales_services.create_invoice(
            actor=self.users["accountant"],
            company=company,
            customer=customer,
            document_date=today,
            lines=[{"delivery_line": line} for line in delivery.lines.order_by("id")],
        )
        invoice = sales_services.post_invoice(actor=self.users["accountant"], invoice=invoice)
        cash = sales_services.create_receipt(
            actor=self.users["accountant"],
            company=company,
            customer=customer,
            document_date=today,
            amount=Decimal("1000"),
        )
        sales_services.post_receipt(
            actor=self.users["accountant"], receipt=cash, allocations=[{"invoice": invoice, "amount": Decimal("1000")}]
        )

        to_ship = sales_services.create_order(
            actor=sales,
            company=company,
            customer=customer,
            warehouse=warehouse,
            document_date=today,
            lines=[
                {"item": items["FG-002"], "quantity": Decimal("5")},
                {"item": items["FG-003"], "quantity": Decimal("8")},
            ],
        )
        sales_services.confirm_order(actor=sales, order=to_ship)

    def seed_production(self, company: Company, warehouses: dict[str, Warehouse]) -> None:
        """A two-level bill of materials (the thermostat from its control board, the board from parts)
        and one released work order for thermostats, its components reserved where stock allows."""
        exists = BillOfMaterials.objects.filter(company=company).exists()
        self.tally.count(created=not exists)
        if exists:
            return
        items = {item.code: item for item in Item.objects.filter(company=company)}
        planner = self.users["planner"]
        for made, lines in PRODUCTION_BOMS:
            production.create_bom(
                actor=planner,
                company=company,
                item=items[made],
                version="1",
                lines=[
                    {"component": items[code], "quantity": Decimal(quantity), "scrap_percent": Decimal(scrap)}
                    for code, quantity, scrap in lines
                ],
                activate=True,
            )
        warehouse = warehouses[PRODUCTION_WAREHOUSE]
        order = production.create_work_order(
            actor=planner,
            company=company,
            item=items["FG-001"],
            quantity=Decimal("20"),
            due_date=timezone.localdate() + timedelta(days=7),
            warehouse=warehouse,
            output_location=Location.objects.get(warehouse=warehouse, code="B-01"),
        )
        production.release_work_order(actor=planner, work_order=order)

    # --- Row access -----------------------------------------------------------------------------

    def grant_access(self, company: Company, warehouses: dict[str, Warehouse], partners: dict[str, Partner]) -> None:
        """Everyone works for the demo company; the warehouse keeper keeps one warehouse only.

        Granting what is already granted writes nothing, so this runs every time.
        """
        for user in self.users.values():
            services.grant_access(actor=self.actor, holder=user, scope_object=company)
        services.grant_access(
            actor=self.actor, holder=self.users["warehouse"], scope_object=warehouses[KEEPER_WAREHOUSE]
        )
        for username in USERS_WITH_EVERY_WAREHOUSE:
            for warehouse in warehouses.values():
                services.grant_access(actor=self.actor, holder=self.users[username], scope_object=warehouse)
        # The approver approves everyone's orders; the buyer also buys from customers who supply.
        for partner in partners.values():
            services.grant_access(actor=self.actor, holder=self.users["approver"], scope_object=partner)
            if partner.is_customer and partner.is_supplier:
                services.grant_access(actor=self.actor, holder=self.users["buyer"], scope_object=partner)


class Command(BaseCommand):
    help = "Load the demo company, warehouses, items, partners and one user per role (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")
        parser.add_argument(
            "--force", action="store_true", help="Seed even with DEBUG off (it creates users with known passwords)."
        )

    def handle(self, *args, quiet: bool = False, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                _("seed_demo creates users with published passwords; it runs only with DEBUG on (or --force).")
            )
        seeding = DemoSeeding()
        company = seeding.run()
        if not quiet:
            self.print_summary(company, seeding.tally)

    def print_summary(self, company: Company, tally: Tally) -> None:
        self.stdout.write(
            _("Demo data for %(company)s: %(created)d records created, %(present)d already present.")
            % {"company": company, "created": tally.created, "present": tally.present}
        )
        self.stdout.write("")
        self.stdout.write(_("Open %(url)s and sign in as:") % {"url": DEMO_URL})
        self.stdout.write("")
        rows = [(_("User name"), _("Password"), _("Role"))]
        for user in USERS:
            role = role_label(user.role)
            rows.append(
                (user.username, DEMO_PASSWORD, _("%(role)s, superuser") % {"role": role} if user.superuser else role)
            )
        widths = [max(display_width(row[column]) for row in rows) + 2 for column in (0, 1)]
        for username, password, role in rows:
            self.stdout.write(f"  {padded(username, widths[0])}{padded(password, widths[1])}{role}")


def display_width(text: str) -> int:
    """Columns taken in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def padded(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))
