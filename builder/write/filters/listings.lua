-- Listings as Quarto sets them in a PDF: a code block with a #lst- label and lst-cap (a
-- chunk's lst-label/lst-cap, weave.py) becomes Quarto's codelisting float, its caption
-- above the code (the kind's title and number; the float: builder/vocabulary.py).
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

function CodeBlock(block)
  local id, cap = block.identifier, block.attributes["lst-cap"]
  if not (id:match("^lst%-") and cap) then return nil end
  local inlines = pandoc.utils.blocks_to_inlines(pandoc.read(cap, "markdown").blocks)
  inlines = inlines:walk({Cite = latex.reference})  -- read after crossref.lua
  block.identifier, block.attributes["lst-cap"] = "", nil
  return {
    latex.rawblock("\\begin{codelisting}\n\n\\caption{\\label{" .. id .. "}"
      .. latex.latex_of(inlines) .. "}\n\n\\centering{"),
    block,
    latex.rawblock("}\n\n\\end{codelisting}"),
  }
end
