"""Who may download a stored file: whoever may see the object it belongs to.

A file attached to an object (an exercise, an inspection, an improvement plan) is downloadable
by anyone with `<app>.view_<model>` on that object, so each feature's own rules decide. A file
not yet attached is downloadable only by the person who uploaded it.
"""

import rules


@rules.predicate
def can_view_file_owner(user, stored_file) -> bool:
    if stored_file is None or stored_file.owner_type_id is None:
        return False
    owner = stored_file.owner
    if owner is None:  # the owner has been deleted
        return False
    meta = owner._meta
    return user.has_perm(f"{meta.app_label}.view_{meta.model_name}", owner)


@rules.predicate
def uploaded_unattached_file(user, stored_file) -> bool:
    if stored_file is None:
        return False
    return stored_file.owner_type_id is None and stored_file.uploaded_by_id == user.pk


rules.add_perm(
    "core.download_file",
    rules.is_authenticated & rules.is_active & (uploaded_unattached_file | can_view_file_owner),
)
