"""服务评价: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("服务评价", "交付后对服务进行评价。")
