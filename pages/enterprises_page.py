"""企业管理: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("企业管理", "查询、查看、编辑企业信息，创建或重置企业登录账户。")
