"""产品管理: placeholder until its issue lands."""
from ui.auth_gate import current_actor
from ui.widgets import under_construction

current_actor()
under_construction("产品管理", "新增、编辑、下架本公司的服务产品（新增或修改后需经信委审核）。")
