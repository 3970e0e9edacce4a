"""`iamdocs drift`: does a copy of the permissions grant exactly what policies/ grants?

Sources (sources/*) turn a template, a built site, a deployed role or an older
git ref into `Copy` objects; compare.py matches each copy to a canonical
policy and reports the differences grant by grant.
"""
