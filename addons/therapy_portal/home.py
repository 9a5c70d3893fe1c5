"""Lists that this module adds to another module's home board.

A board view cannot be extended the way a form is: an extension view needs
a model (ir.ui.view requires one unless the type is board, and an extension
has no type) while a board's view_get applies only the extensions without
one. So the board's architecture gets its extra actions here, when it is
read."""
from lxml import etree

from trytond.pool import Pool, PoolMeta

# (module, board view's XML id) -> [(action's XML id, colspan)]
BOARD_ACTIONS = {
    ('therapy_scheduling', 'front_desk_home_view'): [
        ('therapy_portal.act_home_threads_waiting', 2),
        ('therapy_portal.act_home_portal_changes', 2)],
    }


class View(metaclass=PoolMeta):
    __name__ = 'ir.ui.view'

    def view_get(self, model=None):
        result = super().view_get(model=model)
        if model is None and self.type == 'board' and not self.inherit:
            ModelData = Pool().get('ir.model.data')
            for (module, fs_id), actions in BOARD_ACTIONS.items():
                if ModelData.get_id(module, fs_id) != self.id:
                    continue
                board = etree.fromstring(result['arch'])
                for name, colspan in actions:
                    etree.SubElement(board, 'action', name=name,
                        colspan=str(colspan))
                result = dict(result,
                    arch=etree.tostring(board, encoding='utf-8').decode())
        return result
