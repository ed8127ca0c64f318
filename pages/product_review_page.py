"""产品审核: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("产品审核", "审核服务商新增和修改的产品，上架或下架。")
