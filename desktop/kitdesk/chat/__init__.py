"""ChatKit conversations: the protocol dispatcher and the turn engine.

A turn goes model -> history -> relayed stream -> tool loop -> checkpoint ->
done or failed, through one clean-up path. No web framework is imported here.
"""
