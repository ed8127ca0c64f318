"""选择服务商/产品: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("选择服务商/产品", "浏览已上架产品，选择服务商和产品。")
