-- Notes that citeproc (after the other filters, as in Quarto) makes in a float's caption
-- under a note-style CSL: their marks stay, their texts go after the float, and the list
-- of figures gets the caption without them, as floats.lua sets the document's own notes.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

local function is_caption(block)  -- floats.lua's: \caption[..]{, \label, inlines, }
  local first = block.t == "Plain" and block.content[1]
  return first and first.t == "RawInline" and first.text:match("^\\caption") ~= nil
end

local function moved(block)
  local inlines, notes = latex.lift_notes(block.content)
  if #notes > 0 and inlines[1].text == "\\caption{" then
    local words = pandoc.Inlines({})
    for k = 2, #block.content - 1 do
      local e = block.content[k]
      if not (e.t == "RawInline" and e.text:match("^\\label")) then words:insert(e) end
    end
    words = words:walk({Note = function() return {} end})
    inlines[1] = latex.raw("\\caption[" .. latex.latex_of(words) .. "]{")
  end
  return pandoc.Plain(inlines), notes
end

function Blocks(blocks)
  local out, pending = pandoc.List(), pandoc.List()
  for _, block in ipairs(blocks) do
    local notes = pandoc.List()
    if is_caption(block) then block, notes = moved(block) end
    out:insert(block)
    pending:extend(notes)
    if #pending > 0 and block.t == "RawBlock" and block.text:match("^\\end{") then
      out:extend(pending)
      pending = pandoc.List()
    end
  end
  return out .. pending
end
