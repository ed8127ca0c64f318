"""撤回审核: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("撤回审核", "审核企业的服务券撤回申请。")
