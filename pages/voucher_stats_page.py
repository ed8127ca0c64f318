"""服务券统计: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("服务券统计", "发放、激活、使用、交付和补贴金额的统计图表。")
