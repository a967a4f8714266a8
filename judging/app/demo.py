"""A demo contest modelled on a real community-governance final (社会治理创新大赛决赛).

15 projects from several communities, an expert panel of 7 and a public panel
of 20, the 70/30 preset (expert_public.toml) with 一等奖1/二等奖2/三等奖3/优秀奖9.
What it does not do: score anything; the demo starts in the setup phase with
its running order drawn (seed recorded).
"""

from __future__ import annotations

from judging.app.service import Service

PROJECTS = [
    ("P01", "“邻里守望”独居老人关爱计划", "阳光社会工作服务中心", "花园社区"),
    ("P02", "“楼道微治理”居民议事厅", "和美社区发展促进会", "新港社区"),
    ("P03", "“四点半课堂”课后托管", "启航青少年服务中心", "滨江社区"),
    ("P04", "“绿色账户”垃圾分类积分", "青绿环保公益发展中心", "梧桐社区"),
    ("P05", "“银龄互助”时间银行", "乐龄社会工作事务所", "花园社区"),
    ("P06", "“小小议事员”儿童参与", "童心社区服务社", "新港社区"),
    ("P07", "“家门口”就业服务站", "同心就业援助中心", "长乐社区"),
    ("P08", "“心灵驿站”社区心理支持", "安心心理健康服务中心", "滨江社区"),
    ("P09", "“巧手妈妈”社区手工坊", "木棉妇女发展中心", "长乐社区"),
    ("P10", "“老旧小区”加装电梯协商", "和美社区发展促进会", "梧桐社区"),
    ("P11", "“共享菜园”邻里农场", "青绿环保公益发展中心", "东湖社区"),
    ("P12", "“阳光助残”康复陪伴", "融爱残障服务中心", "东湖社区"),
    ("P13", "“新市民”融入计划", "同心就业援助中心", "新港社区"),
    ("P14", "“红色物业”党建引领", "和美社区发展促进会", "花园社区"),
    ("P15", "“平安巷”志愿巡防", "守望志愿者协会", "长乐社区"),
]
EXPERTS = ["王建国", "李慧敏", "张卫东", "陈晓燕", "刘志强", "杨秀英", "赵明"]
PUBLIC = ["周红梅", "吴海涛", "郑丽", "孙国庆", "马晓军", "朱桂兰", "胡志刚", "郭艳", "何平", "高建华",
          "林淑珍", "罗文", "梁秀兰", "宋伟", "谢芳", "韩冬梅", "唐亮", "冯玉兰", "董军", "曹丽娟"]
REQUESTED = [50000, 40000, 30000, 30000, 45000, 20000, 50000, 35000, 20000, 50000, 25000, 40000, 30000, 50000,
             20000]


def demo_setup(name: str = "2026年社区治理创新大赛决赛（演示）") -> dict:
    return {
        "name": name,
        "rules_preset": "expert_public.toml",
        "timer_seconds": 300,
        "projects": [{"id": pid, "name": n, "organization": org, "community": com, "requested": req}
                     for (pid, n, org, com), req in zip(PROJECTS, REQUESTED)],
        "judges": [{"id": f"E{i}", "name": n, "panel": "expert"} for i, n in enumerate(EXPERTS, 1)]
        + [{"id": f"U{i:02d}", "name": n, "panel": "public"} for i, n in enumerate(PUBLIC, 1)],
        "recusals": [{"judge": "U03", "project": "P03"}, {"judge": "U10", "project": "P11"}],
    }


async def create_demo(service: Service, name: str | None = None):
    rt = await service.create_contest(demo_setup(name) if name else demo_setup(), "system")
    return await service.set_order(rt.contest.id, None, "demo-2026", "system")
