"""风险预警: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("风险预警", "可疑服务记录、评价和撤回的预警信号。")
