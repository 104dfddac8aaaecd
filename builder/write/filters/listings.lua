-- Listings as Quarto sets them in a PDF: a code block with a #lst- label and lst-cap (a
-- chunk's lst-label/lst-cap), or a chunk labelled lst- (its code and outputs, in a div:
-- weave.py), becomes Quarto's codelisting float, its caption above (the kind's title and
-- number; the float: builder/vocabulary.py).  A code block's `filename` starts the
-- caption, in code type; without a label it still makes a numbered listing, as Quarto.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local function listing(id, cap, blocks, file, pos)
  local inlines = latex.read_inlines(cap)
  inlines = inlines:walk({Cite = latex.reference})  -- read after crossref.lua
  if file then
    inlines = pandoc.List({pandoc.Code(file)}) .. (#inlines > 0 and {pandoc.Space()} or {}) .. inlines
  end
  local label = id and ("\\label{" .. id .. "}") or ""
  local placement = pos and ("[" .. pos .. "]") or ""  -- H inside a callout (floats.lua)
  local head = latex.rawblock("\\begin{codelisting}" .. placement .. "\n\n\\caption{" .. label
    .. latex.latex_of(inlines) .. "}\n\n\\centering{")
  return pandoc.List({head}) .. blocks .. {latex.rawblock("}\n\n\\end{codelisting}")}
end

function CodeBlock(block)
  local id, cap, file = block.identifier, block.attributes["lst-cap"], block.attributes["filename"]
  local pos = block.attributes["lst-pos"]
  block.attributes["lst-pos"] = nil
  local labelled = id:match("^lst%-") and cap
  if not (labelled or file) then return block end
  block.identifier, block.attributes["lst-cap"], block.attributes["filename"] = "", nil, nil
  return listing(labelled and id or nil, cap or "", pandoc.Blocks({block}), file, pos)
end

function Div(div)
  if not div.identifier:match("^lst%-") then return nil end
  return listing(div.identifier, div.attributes["lst-cap"] or "", div.content, nil,
    div.attributes["lst-pos"])
end
