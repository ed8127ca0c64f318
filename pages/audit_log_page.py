"""操作日志: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("操作日志", "按用户、服务券、操作和日期查询全部操作记录并导出。")
