"""人员管理: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("人员管理", "新增、编辑本公司的服务工程师，标记离职。")
