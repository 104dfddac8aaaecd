-- Listings as Quarto sets them in a PDF: a code block with a #lst- label and lst-cap (a
-- chunk's lst-label/lst-cap), or a chunk labelled lst- (its code and outputs, in a div:
-- weave.py), becomes Quarto's codelisting float, its caption above (the kind's title and
-- number; the float: builder/vocabulary.py).
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local function listing(id, cap, blocks)
  local inlines = pandoc.utils.blocks_to_inlines(pandoc.read(cap, "markdown").blocks)
  inlines = inlines:walk({Cite = latex.reference})  -- read after crossref.lua
  local out = pandoc.List({latex.rawblock("\\begin{codelisting}\n\n\\caption{\\label{" .. id .. "}"
    .. latex.latex_of(inlines) .. "}\n\n\\centering{")})
  out:extend(blocks)
  out:insert(latex.rawblock("}\n\n\\end{codelisting}"))
  return out
end

function CodeBlock(block)
  local id, cap = block.identifier, block.attributes["lst-cap"]
  if not (id:match("^lst%-") and cap) then return nil end
  block.identifier, block.attributes["lst-cap"] = "", nil
  return listing(id, cap, {block})
end

function Div(div)
  if not div.identifier:match("^lst%-") then return nil end
  return listing(div.identifier, div.attributes["lst-cap"] or "", div.content)
end
