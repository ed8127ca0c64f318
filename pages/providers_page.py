"""服务商管理: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("服务商管理", "新增、编辑、暂停服务商及其账户。")
