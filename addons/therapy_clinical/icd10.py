"""ICD-10-CM code rows from the simple-icd-10-cm package (pure Python).

The package carries the CMS code set (chapters, blocks, categories and
subcategories with their descriptions). We keep categories and
subcategories; a code is billable when it is a leaf (no more specific code
exists), the only codes a claim accepts."""
import warnings


def code_rows():
    "(code with dot, description, billable) for every category/subcategory"
    with warnings.catch_warnings():
        # the package still imports pkg_resources, deprecated by setuptools
        warnings.simplefilter('ignore')
        import simple_icd_10_cm as icd
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_chapter_or_block(code):
            continue
        yield code, icd.get_description(code), icd.is_leaf(code)


def search_words(text):
    "Words of a search text, each to be matched on its own"
    return [w for w in (text or '').replace(',', ' ').split() if w]
