"""用户管理: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("用户管理", "按角色查看账户，重置密码，锁定、解锁、停用账户。")
