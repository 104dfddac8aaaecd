-- A pandoc writer: the document's text as pandoc.utils.stringify gives it (document.py's
-- plain_text: what Quarto's meta and var shortcodes print in code)
function Writer(doc)
  return pandoc.utils.stringify(doc.blocks)
end
