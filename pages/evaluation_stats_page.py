"""评价统计: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("评价统计", "评价得分、等级分布和服务商排名。")
