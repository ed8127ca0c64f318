"""Every domain word a user sees: status and role names, reference data, field labels."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COMMISSION = "commission"
    PROVIDER = "provider"
    ENTERPRISE = "enterprise"
    SYSTEM = "system"


ROLE_LABELS = {Role.COMMISSION: "经信委", Role.PROVIDER: "服务商", Role.ENTERPRISE: "企业", Role.SYSTEM: "系统"}

PLATFORM_TITLE = "南京中小企业信息化服务券管理平台"
DEMO_ENVIRONMENT = "演示环境"  # in every page header unless APP_ENV=production
COPYRIGHT = "copyright©2017 南京市经济和信息化委员会"

DISTRICTS = ["玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区", "雨花台区", "江宁区", "六合区", "溧水区",
             "高淳区"]
DEV_ZONES = ["江北新区", "南京经济技术开发区", "江宁经济技术开发区", "南京高新技术产业开发区", "南京化学工业园区"]
# 开发区 as offices abbreviate them (所属区 in an import); a name of a district with or without 区 is matched anyway.
REGION_ALIASES = {
    "江北": "江北新区", "经开区": "南京经济技术开发区", "南京经开区": "南京经济技术开发区",
    "南京开发区": "南京经济技术开发区",
    "江宁开发区": "江宁经济技术开发区", "江宁经开区": "江宁经济技术开发区", "高新区": "南京高新技术产业开发区",
    "南京高新区": "南京高新技术产业开发区", "化工园": "南京化学工业园区", "化工园区": "南京化学工业园区",
    "化学工业园区": "南京化学工业园区", "江北新区直管区": "江北新区",
}

CATEGORIES = [
    "中小版管理软件应用", "企业资源计划（ERP）/进销存", "财务管理软件", "客户关系管理（CRM）",
    "办公自动化（OA）/协同办公", "人力资源管理", "电子商务/网站建设", "生产执行系统（MES）/智能制造",
    "研发设计（CAD/PLM）", "供应链/仓储物流管理", "数据分析/商业智能", "信息安全", "云服务/企业上云", "其他",
]

ENTERPRISE_SIZES = ["大型", "中型", "小型", "微型"]

# Evaluation form (DESIGN.md §3): (field, label, maximum points); maxima add up to 100.
CRITERIA = [
    ("s_attitude", "服务主动、耐心、热情、周到", 10),
    ("s_expertise", "服务人员具有充分的专业知识", 10),
    ("s_conduct", "服务人员佩戴证件，行为规范", 10),
    ("s_contract", "服务合同执行到位不打折扣", 15),
    ("s_quality", "服务产品高质量交付", 15),
    ("s_value", "产品价格优惠性价比高", 15),
    ("s_usability", "产品贴合工作实际方便易用", 10),
    ("s_aftersales", "售后服务响应及时问题快速解决", 15),
]
IMPROVEMENTS = ["降耗", "扩大销售额", "增加了市场信息获取渠道", "节能", "提高生产效率", "降低生产成本", "技术创新",
                "提高资金使用效率", "其他"]
NEXT_FOCUS = ["企业资源管理系统（ERP）", "电子商务", "办公自动化（OA）", "信息安全", "客户关系管理（CRM）",
              "生产执行系统（MES）", "其他"]


def band(total: int) -> str:
    """Evaluation band of a total score (DESIGN.md §3)."""
    if total >= 90:
        return "优秀"
    if total >= 80:
        return "良好"
    if total >= 60:
        return "合格"
    return "不合格"


# Product fields (model attribute -> label), on the product form and in 产品审核's "what changed".
PRODUCT_FIELDS = {"name": "服务产品名称", "category_id": "类别", "price": "价格（元）", "target": "适用对象",
                  "problems": "解决问题", "cases": "应用案例"}


# Enterprise profile fields (DESIGN.md §4). Money fields are 万元; their labels depend on the batch year.
ENTERPRISE_FIELDS = {
    "credit_code": "统一社会信用代码",
    "name": "企业名称",
    "region": "所属区",
    "size": "企业规模",
    "legal_rep": "法定代表人",
    "address": "地址",
    "founded_on": "成立日期",
    "contact": "联系人",
    "phone": "联系电话",
    "qq": "QQ号",
    "email": "邮箱",
    "employees": "从业人数",
    "difficulty": "目前最大困难",
    "remark": "备注",
}
MONEY_FIELDS = ["output_prev", "output_plan", "revenue_prev", "revenue_plan", "profit_prev", "profit_plan"]
SIGNED_MONEY_FIELDS = frozenset({"profit_prev", "profit_plan"})  # a loss-making enterprise reports a negative profit


def money_field_labels(batch_year: int) -> dict[str, str]:
    """{Y-1}年总产值 … {Y}年预计利润, as the manual shows for a 2017 voucher (2016/2017)."""
    prev, cur = batch_year - 1, batch_year
    return {
        "output_prev": f"{prev}年总产值",
        "output_plan": f"{cur}年预计总产值",
        "revenue_prev": f"{prev}年营业收入",
        "revenue_plan": f"{cur}年预计营业收入",
        "profit_prev": f"{prev}年利润",
        "profit_plan": f"{cur}年预计利润",
    }


# Column labels of lists (ASCII column -> Chinese header), shared by screens and Excel exports.
VOUCHER_LIST_COLUMNS = {
    "number": "服务券号",
    "enterprise_name": "公司名称",
    "region": "区域",
    "status_label": "状态",
    "provider_name": "服务商",
}


# Keys of a history row's `changes`, as the 操作日志 shows them.
CHANGE_LABELS = {
    "reason": "原因", "remark": "备注", "total": "总分", "band": "等级", "contract_date": "合同签订日期",
    "record_id": "服务记录编号", "engineer_id": "服务工程师编号", "service_date": "服务日期", "description": "服务描述",
    "delivered_on": "交付日期", "delivery_content": "交付内容", "amount": "金额", "settled_on": "兑付日期",
    "expires_at": "办理期限", "face_value": "面额", "product": "产品", "product_id": "产品编号",
    "provider_id": "服务商编号", "price": "价格", "username": "账户名", "role": "角色", "name": "名称",
    "status": "状态", "request_reason": "撤回原因",
    "enterprise_id": "企业编号", "credit_code": "统一社会信用代码", "region_id": "区域编号", "year": "年度",
    "category_id": "类别编号", "mobile": "手机", "title": "职务/专长", "contact": "联系人", "phone": "电话",
    "client": "来源地址",
}


# One colour per voucher status, used the same way on every chart (keys are the Chinese labels).
STATUS_COLORS = {
    "待激活": "#9e9e9e", "已激活": "#64b5f6", "已购买产品，待购买确认": "#ffb74d", "已确认": "#1e88e5",
    "已交付": "#26a69a", "已评价": "#7e57c2", "已兑付": "#2e7d32", "已过期": "#bdbdbd", "已作废": "#e53935",
}
BAND_COLORS = {"优秀": "#2e7d32", "良好": "#66bb6a", "合格": "#ffb74d", "不合格": "#e53935"}
