"""兑付管理: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("兑付管理", "核对兑付材料清单，办理兑付并导出兑付清单。")
