"""企业信息: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("企业信息", "查看和完善企业信息，激活服务券。")
